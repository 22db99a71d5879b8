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


class ContentLocked(Conflict):
    """Handed to Facebook or published already: it cannot change any more."""

    error_id = "social_content_locked"


class ContentNotDraft(Conflict):
    error_id = "social_content_not_draft"


class OwnContent(Conflict):
    """A supervisor approves someone else's content, never their own."""

    error_id = "social_content_own"


class AssetRefused(InvalidInput):
    error_id = "social_asset_refused"
