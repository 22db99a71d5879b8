"""What every connector gives: a batch of normalised mentions and the cursor after it.

A connector fetches what its source published since the cursor it is given and returns
the cursor to store once the batch is stored. It raises `RateLimited` when the source
says to wait longer than it will (with what it got before that, and when to come back),
and `SourceDown` when the source cannot be reached or answers with an error; the cursor
then stays where it was, so nothing is skipped and the stored mentions' unique (channel,
external id) keeps a second fetch from adding them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Found:
    """A mention as a connector normalises it (before language, sentiment and keywords)."""

    channel: str
    external_id: str
    url: str
    text: str
    published_at: datetime
    author: str = ""
    author_id: str = ""
    author_followers: int | None = None
    likes: int = 0
    shares: int = 0
    replies: int = 0
    quotes: int = 0
    province: str | None = None


@dataclass(frozen=True)
class Batch:
    mentions: Sequence[Found]
    cursor: dict[str, Any]
    requests: int = 1


class ConnectorError(Exception):
    def __init__(self, message: str, *, partial: Sequence[Found] = ()) -> None:
        super().__init__(message)
        self.partial = list(partial)


class RateLimited(ConnectorError):
    """The source's rate limit: come back at `resume_at`."""

    def __init__(self, message: str, *, resume_at: datetime, partial: Sequence[Found] = ()) -> None:
        super().__init__(message, partial=partial)
        self.resume_at = resume_at


class SourceDown(ConnectorError):
    """Unreachable, timed out, or a server error."""


class Connector(Protocol):
    channel: str

    async def fetch(self, cursor: dict[str, Any]) -> Batch: ...


@dataclass
class Backoff:
    """Exponential backoff after failures in a row: base, 2 x base, ... up to `most_s`."""

    base_s: float = 30.0
    most_s: float = 3600.0

    def after(self, failures: int) -> float:
        return min(self.most_s, self.base_s * 2 ** max(0, failures - 1))
