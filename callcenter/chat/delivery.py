"""One delivery attempt of a send: reply token while valid, else push; retries with backoff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from callcenter.chat.line_client import Outcome, Result
from callcenter.chat.models import Send, SendStatus

log = logging.getLogger(__name__)


class Platform(Protocol):
    """What the sender needs of a platform client (LineClient, FacebookClient)."""

    async def reply(self, token: str, messages: list[dict[str, Any]]) -> Result: ...

    async def profile_name(self, customer_id: str) -> str | None: ...

    async def push(
        self, to: str, messages: list[dict[str, Any]], *, retry_key: str, tag: str | None = None
    ) -> Result: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # then the send is failed for good
    backoff_s: float  # the first retry waits this long, each next one twice as long

    def next_at(self, attempts: int, now: datetime) -> datetime:
        return now + timedelta(seconds=self.backoff_s * 2 ** max(attempts - 1, 0))


async def attempt(send: Send, *, platform: Platform, policy: RetryPolicy, now: datetime) -> None:
    """Try `send` once and record the outcome on it."""
    send.attempts += 1
    if send.reply_token and send.reply_until is not None and now < send.reply_until:
        result = await platform.reply(send.reply_token, send.payload)
        if result.outcome is Outcome.delivered:
            _sent(send, "reply", now)
            return
        # A rejected token was not used: push now. A failed reply may or may not have
        # reached LINE; the token is single use either way, so the retries push.
        send.reply_token = send.reply_until = None
        send.last_error = f"reply: {result.detail}"
        if result.outcome is Outcome.failed:
            _later(send, policy, now)
            return
    result = await platform.push(
        send.to, send.payload, retry_key=send.idempotency_key, tag=send.tag
    )
    if result.outcome is Outcome.delivered:
        _sent(send, "push", now)
    elif result.outcome is Outcome.rejected:
        send.status, send.last_error = SendStatus.failed.value, f"push: {result.detail}"
        log.warning("chat send %s rejected: %s", send.id, result.detail)
    else:
        send.last_error = f"push: {result.detail}"
        _later(send, policy, now)


def _sent(send: Send, method: str, now: datetime) -> None:
    send.status, send.method, send.sent_at = SendStatus.sent.value, method, now


def _later(send: Send, policy: RetryPolicy, now: datetime) -> None:
    if send.attempts >= policy.attempts:
        send.status = SendStatus.failed.value
        log.warning("chat send %s failed after %s attempts", send.id, send.attempts)
    else:
        send.next_attempt_at = policy.next_at(send.attempts, now)
