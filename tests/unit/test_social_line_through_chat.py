"""The social desk's LINE posts go out through the chat desk's LINE client when the chat desk
has a LINE account: one official account, one client; a refusal fails the post, visibly."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.chat.line_client import Outcome, Result
from callcenter.config import Settings
from callcenter.main import ChatLineBroadcaster, _social_line
from callcenter.social.line_broadcast import BroadcastError


class Desk:
    def __init__(self, result: Result) -> None:
        self.result, self.sent = result, []  # type: ignore[var-annotated]

    async def line_broadcast(self, text: str, image_url: str | None, *, retry_key: str) -> Result:
        self.sent.append((text, image_url, retry_key))
        return self.result


async def test_a_post_goes_out_once_with_its_retry_key() -> None:
    desk = Desk(Result(Outcome.delivered, "409: accepted before (same retry key)"))
    line = ChatLineBroadcaster(desk)  # type: ignore[arg-type]
    assert "accepted before" in await line.broadcast("เตือนภัย", None, retry_key="k-1")
    assert desk.sent == [("เตือนภัย", None, "k-1")]


async def test_a_refused_broadcast_fails_the_post() -> None:
    line = ChatLineBroadcaster(Desk(Result(Outcome.rejected, "400 bad image")))  # type: ignore[arg-type]
    with pytest.raises(BroadcastError, match="400 bad image"):
        await line.broadcast("text", "https://x/img.jpg", retry_key="k-2")


def test_without_a_chat_line_account_the_social_desk_keeps_its_own() -> None:
    chat: Any = object()
    assert _social_line(Settings(line_channel_access_token=""), chat) is None  # type: ignore[arg-type]
    chosen = _social_line(Settings(line_channel_access_token="t"), chat)  # type: ignore[arg-type]
    assert isinstance(chosen, ChatLineBroadcaster)
