"""Sending to LINE through the official SDK (line-bot-sdk v3, its asyncio client).

`Configuration(host=…)` points it at api.line.me or at the local stand-in. Each call
ends in one of three outcomes the sender acts on: delivered, rejected (LINE will never
take it: a bad request, an expired reply token) or failed (worth a retry: 5xx, 429,
network). A push carries X-Line-Retry-Key, so a retry of a push LINE already accepted
answers 409 and is counted as delivered, never sent twice.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    BroadcastRequest,
    Configuration,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
)

log = logging.getLogger(__name__)
REQUEST_TIMEOUT_S = 10.0


class Outcome(enum.StrEnum):
    delivered = "delivered"
    rejected = "rejected"
    failed = "failed"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""


class LineClient:
    """LINE's Messaging API: reply and push. `start()` inside the event loop, `stop()` after."""

    def __init__(self, *, host: str, access_token: str, data_host: str | None = None) -> None:
        self._config = Configuration(host=host, access_token=access_token)
        # uploads (the rich menu's image) go to api-data.line.me
        self._data_config = Configuration(host=data_host or host, access_token=access_token)
        self._client: AsyncApiClient | None = None
        self._data_client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None
        self._blob: AsyncMessagingApiBlob | None = None

    async def start(self) -> None:
        if self._client is None:  # its aiohttp session belongs to the running loop
            self._client = AsyncApiClient(self._config)
            self._api = AsyncMessagingApi(self._client)
            self._data_client = _DataClient(self._data_config)
            self._blob = AsyncMessagingApiBlob(self._data_client)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = self._api = None
        if self._data_client is not None:
            await self._data_client.close()
            self._data_client = self._blob = None

    async def reply(self, token: str, messages: list[dict[str, Any]]) -> Result:
        request = ReplyMessageRequest.from_dict({"replyToken": token, "messages": messages})
        return await self._call("reply", self._ready().reply_message, request)

    async def push(
        self, to: str, messages: list[dict[str, Any]], *, retry_key: str, tag: str | None = None
    ) -> Result:
        request = PushMessageRequest.from_dict({"to": to, "messages": messages})
        result = await self._call(
            "push", self._ready().push_message, request, x_line_retry_key=retry_key
        )
        return _accepted_before(result)

    async def broadcast(self, messages: list[dict[str, Any]], *, retry_key: str) -> Result:
        """To every friend of the account."""
        request = BroadcastRequest.from_dict({"messages": messages})
        result = await self._call(
            "broadcast", self._ready().broadcast, request, x_line_retry_key=retry_key
        )
        return _accepted_before(result)

    async def multicast(
        self, to: list[str], messages: list[dict[str, Any]], *, retry_key: str
    ) -> Result:
        """To up to 500 user ids."""
        request = MulticastRequest.from_dict({"to": to, "messages": messages})
        result = await self._call(
            "multicast", self._ready().multicast, request, x_line_retry_key=retry_key
        )
        return _accepted_before(result)

    async def quota(self) -> dict[str, Any]:
        """This month's target limit and usage: {"type", "value", "totalUsage"}."""
        api = self._ready()
        limit = await api.get_message_quota(_request_timeout=REQUEST_TIMEOUT_S)
        used = await api.get_message_quota_consumption(_request_timeout=REQUEST_TIMEOUT_S)
        return {"type": str(limit.type.value if hasattr(limit.type, "value") else limit.type),
                "value": limit.value, "totalUsage": used.total_usage}  # fmt: skip

    async def create_rich_menu(self, menu: dict[str, Any]) -> str:
        """The new rich menu's id (LINE checks the object; ApiException when it refuses)."""
        request = RichMenuRequest.from_dict(menu)
        created = await self._ready().create_rich_menu(request, _request_timeout=REQUEST_TIMEOUT_S)
        return str(created.rich_menu_id)

    async def set_rich_menu_image(self, menu_id: str, data: bytes, content_type: str) -> None:
        if self._blob is None:
            raise RuntimeError("LineClient.start() was not called")
        await self._blob.set_rich_menu_image(
            menu_id, bytearray(data), _request_timeout=REQUEST_TIMEOUT_S,
            _headers={"Content-Type": content_type},
        )  # fmt: skip

    async def message_content(self, message_id: str) -> tuple[bytes, str]:
        """A customer's picture (or file) and its media type, from api-data.line.me."""
        if self._blob is None:
            raise RuntimeError("LineClient.start() was not called")
        got = await self._blob.get_message_content_with_http_info(
            message_id, _request_timeout=REQUEST_TIMEOUT_S
        )
        headers = {k.lower(): v for k, v in (got.headers or {}).items()}
        content_type = str(headers.get("content-type", "application/octet-stream"))
        return bytes(got.data or b""), content_type.split(";")[0].strip()

    async def set_default_rich_menu(self, menu_id: str) -> None:
        await self._ready().set_default_rich_menu(menu_id, _request_timeout=REQUEST_TIMEOUT_S)

    async def profile_name(self, user_id: str) -> str | None:
        """The customer's LINE display name (None when LINE does not give it)."""
        try:
            profile = await self._ready().get_profile(user_id, _request_timeout=REQUEST_TIMEOUT_S)
        except Exception as exc:  # a name is nice to have: never worth failing a round
            log.info("LINE profile of a customer not available: %r", exc)
            return None
        return str(profile.display_name)

    def _ready(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineClient.start() was not called")
        return self._api

    async def _call(self, what: str, method: Any, *args: Any, **kwargs: Any) -> Result:
        try:
            await method(*args, _request_timeout=REQUEST_TIMEOUT_S, **kwargs)
        except ApiException as exc:
            detail = f"{exc.status}: {_body(exc)}"
            transient = exc.status is None or exc.status >= 500 or exc.status == 429
            log.warning("LINE %s answered %s", what, detail)
            return Result(Outcome.failed if transient else Outcome.rejected, detail)
        except Exception as exc:  # network: aiohttp's errors, timeouts
            log.warning("LINE %s failed: %r", what, exc)
            return Result(Outcome.failed, f"network: {exc!r}")
        return Result(Outcome.delivered)


class _DataClient(AsyncApiClient):
    """The SDK's blob calls name https://api-data.line.me in each operation; this client sends
    them to its configured host instead (the same one in production, the stand-in in tests)."""

    def call_api(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("_host"):
            kwargs["_host"] = self.configuration.host
        return super().call_api(*args, **kwargs)


def _accepted_before(result: Result) -> Result:
    """409 to a retry key: LINE took the first try; it is not sent again."""
    if result.outcome is Outcome.rejected and result.detail.startswith("409"):
        return Result(Outcome.delivered, "409: accepted before (same retry key)")
    return result


def _body(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    return str(body or exc.reason or "")[:500]
