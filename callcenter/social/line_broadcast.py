"""LINE broadcast of the centre's posts and digests: a small port, and the SDK behind it.

`LineBroadcaster` is what publishing needs (injected: the chat desk's broadcast path can
stand in for it once it has one); `SdkLineBroadcaster` is line-bot-sdk's
`MessagingApi.broadcast` with a retry key (a retry LINE already accepted answers 409 and
counts as sent, never twice).
"""

from __future__ import annotations

from typing import Protocol

from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    BroadcastRequest,
    Configuration,
)


class BroadcastError(Exception):
    pass


class LineBroadcaster(Protocol):
    async def broadcast(self, text: str, image_url: str | None, *, retry_key: str) -> str:
        """Send to every friend of the official account; LINE's request id."""
        ...


class SdkLineBroadcaster:
    def __init__(self, *, host: str, access_token: str) -> None:
        self._config = Configuration(host=host, access_token=access_token)

    async def broadcast(self, text: str, image_url: str | None, *, retry_key: str) -> str:
        messages: list[dict[str, str]] = [{"type": "text", "text": text[:5000]}]
        if image_url:
            messages.append(
                {"type": "image", "originalContentUrl": image_url, "previewImageUrl": image_url}
            )
        request = BroadcastRequest.from_dict({"messages": messages})
        async with AsyncApiClient(self._config) as client:
            try:
                response = await AsyncMessagingApi(client).broadcast_with_http_info(
                    request, x_line_retry_key=retry_key, _request_timeout=15
                )
            except ApiException as exc:
                if exc.status == 409:  # this retry key was accepted before
                    headers = exc.headers or {}
                    return str(headers.get("X-Line-Accepted-Request-Id", "accepted before"))
                raise BroadcastError(f"LINE broadcast: HTTP {exc.status} {exc.body!r}") from exc
            except Exception as exc:  # network, timeout
                raise BroadcastError(f"LINE broadcast: {exc!r}") from exc
        headers = response.headers or {}
        return str(headers.get("X-Line-Request-Id") or headers.get("x-line-request-id") or "")
