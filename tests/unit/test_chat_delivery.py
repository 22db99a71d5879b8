"""One delivery attempt: reply token while valid, else push with the retry key; backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.chat.delivery import RetryPolicy, attempt
from callcenter.chat.line_client import Outcome, Result
from callcenter.chat.models import Send

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
POLICY = RetryPolicy(attempts=3, backoff_s=2.0)


class FakePlatform:
    """Answers each call with the next scripted outcome and records it."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, str | None]] = []

    async def reply(self, token: str, messages: list[dict[str, Any]]) -> Result:
        self.calls.append(("reply", None))
        return Result(self.outcomes.pop(0), "400: Invalid reply token")

    async def push(
        self, to: str, messages: list[dict[str, Any]], *, retry_key: str, tag: str | None = None
    ) -> Result:
        self.calls.append(("push", retry_key))
        return Result(self.outcomes.pop(0), "500: Internal server error")


def _send(reply_for_s: float | None = 20) -> Send:
    return Send(
        id=1, to="U1", idempotency_key="k-1", payload=[{"type": "text", "text": "hi"}],
        reply_token="tok" if reply_for_s is not None else None,
        reply_until=NOW + timedelta(seconds=reply_for_s) if reply_for_s is not None else None,
        status="pending", attempts=0, next_attempt_at=NOW, last_error="",
    )  # fmt: skip


async def test_a_valid_reply_token_is_used_and_nothing_is_pushed() -> None:
    send, platform = _send(), FakePlatform(Outcome.delivered)
    await attempt(send, platform=platform, policy=POLICY, now=NOW)
    assert platform.calls == [("reply", None)]
    assert (send.status, send.method, send.sent_at) == ("sent", "reply", NOW)


async def test_an_expired_reply_token_is_not_tried_the_message_is_pushed_with_its_key() -> None:
    send, platform = _send(reply_for_s=20), FakePlatform(Outcome.delivered)
    await attempt(send, platform=platform, policy=POLICY, now=NOW + timedelta(seconds=21))
    assert platform.calls == [("push", "k-1")]
    assert (send.status, send.method) == ("sent", "push")


async def test_a_rejected_reply_token_falls_back_to_push_at_once() -> None:
    send, platform = _send(), FakePlatform(Outcome.rejected, Outcome.delivered)
    await attempt(send, platform=platform, policy=POLICY, now=NOW)
    assert platform.calls == [("reply", None), ("push", "k-1")]
    assert (send.status, send.method, send.reply_token) == ("sent", "push", None)


async def test_failed_pushes_back_off_doubling_then_fail_for_good_keeping_their_key() -> None:
    send = _send(reply_for_s=None)
    platform = FakePlatform(Outcome.failed, Outcome.failed, Outcome.failed)
    await attempt(send, platform=platform, policy=POLICY, now=NOW)
    assert (send.status, send.next_attempt_at) == ("pending", NOW + timedelta(seconds=2))
    await attempt(send, platform=platform, policy=POLICY, now=NOW + timedelta(seconds=2))
    assert send.next_attempt_at == NOW + timedelta(seconds=2 + 4)
    await attempt(send, platform=platform, policy=POLICY, now=NOW + timedelta(seconds=6))
    assert send.status == "failed" and send.last_error == "push: 500: Internal server error"
    assert [key for _, key in platform.calls] == ["k-1", "k-1", "k-1"]


async def test_a_failed_reply_is_not_repeated_the_retry_pushes() -> None:
    send, platform = _send(), FakePlatform(Outcome.failed, Outcome.delivered)
    await attempt(send, platform=platform, policy=POLICY, now=NOW)
    assert send.status == "pending" and send.reply_token is None
    await attempt(send, platform=platform, policy=POLICY, now=send.next_attempt_at)
    assert platform.calls == [("reply", None), ("push", "k-1")]
    assert send.method == "push"
