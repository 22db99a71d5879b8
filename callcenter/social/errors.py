"""Social desk errors, each with its own stable error id."""

from __future__ import annotations

from callcenter.errors import Conflict, InvalidInput


class KeywordExists(Conflict):
    error_id = "social_keyword_exists"


class SourceExists(Conflict):
    error_id = "social_source_exists"


class MentionHasCase(Conflict):
    error_id = "social_mention_has_case"


class InvalidPeriod(InvalidInput):
    error_id = "invalid_period"
