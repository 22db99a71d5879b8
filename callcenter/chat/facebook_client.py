"""Sending to Messenger: the Graph API's Send API (`POST {graph}/me/messages`) over httpx.

The bot writes LINE message objects; one send becomes one Messenger message: the texts
joined, the last quick replies as Messenger quick replies (so a retry never repeats half
of a send). `messaging_type` RESPONSE inside 24 h of the customer's last message, else
MESSAGE_TAG with tag HUMAN_AGENT (a person's message, within 7 days): the send's `tag`,
decided when it was queued. The Send API has no idempotency key: a retry after an answer
that was lost may deliver twice (only LINE can prevent that).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from callcenter.chat.line_client import Outcome, Result

log = logging.getLogger(__name__)
REQUEST_TIMEOUT_S = 10.0
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613})  # Graph API: unknown, temporary, rate limits


def messenger_message(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """One Messenger message object from the bot's LINE message objects (a picture: an
    image attachment Messenger fetches from its URL)."""
    image = next((m for m in messages if m.get("type") == "image"), None)
    if image is not None:
        payload = {"url": image["originalContentUrl"], "is_reusable": True}
        return {"attachment": {"type": "image", "payload": payload}}
    text = "\n\n".join(str(m.get("text", "")) for m in messages if m.get("type") == "text")
    out: dict[str, Any] = {"text": text[:2000]}
    quick = next((m["quickReply"] for m in reversed(messages) if m.get("quickReply")), None)
    if quick:
        out["quick_replies"] = [
            {
                "content_type": "text",
                "title": item["action"]["label"][:20],
                "payload": item["action"].get("data") or item["action"]["label"],
            }
            for item in quick["items"][:13]
        ]
    return out


class FacebookClient:
    """The page's Send API. `start()` inside the event loop, `stop()` after."""

    def __init__(self, *, graph_url: str, page_token: str) -> None:
        self._url, self._token = graph_url.rstrip("/"), page_token
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def profile_name(self, psid: str) -> str | None:
        """The customer's name from the Graph API's user profile (None when not given)."""
        if self._http is None:
            return None
        try:
            r = await self._http.get(
                f"{self._url}/{psid}", params={"fields": "name", "access_token": self._token}
            )
            name = r.json().get("name") if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            log.info("Messenger profile of a customer not available: %r", exc)
            return None
        return name if isinstance(name, str) else None

    async def fetch_media(self, url: str, *, max_bytes: int) -> tuple[bytes, str]:
        """A customer's picture from its webhook `payload.url` (Meta's CDN) and its media
        type. Reads at most `max_bytes` + 1 bytes: a longer body comes back that long, for
        the caller's size check to refuse. httpx.HTTPError when it cannot be had."""
        if self._http is None:
            raise RuntimeError("FacebookClient.start() was not called")
        async with self._http.stream("GET", url, follow_redirects=True) as r:
            r.raise_for_status()
            content_type = r.headers.get("content-type", "application/octet-stream")
            data = bytearray()
            async for chunk in r.aiter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    break
        return bytes(data[: max_bytes + 1]), content_type.split(";")[0].strip()

    async def reply(self, token: str, messages: list[dict[str, Any]]) -> Result:
        return Result(Outcome.rejected, "Messenger has no reply tokens")

    async def push(
        self, to: str, messages: list[dict[str, Any]], *, retry_key: str, tag: str | None = None
    ) -> Result:
        if self._http is None:
            raise RuntimeError("FacebookClient.start() was not called")
        body: dict[str, Any] = {"recipient": {"id": to}, "message": messenger_message(messages)}
        if tag in (None, "RESPONSE"):
            body["messaging_type"] = "RESPONSE"
        else:
            body["messaging_type"], body["tag"] = "MESSAGE_TAG", tag
        try:
            r = await self._http.post(
                f"{self._url}/me/messages", params={"access_token": self._token}, json=body
            )
        except httpx.HTTPError as exc:
            log.warning("Messenger send failed: %r", exc)
            return Result(Outcome.failed, f"network: {exc!r}")
        if r.status_code == 200:
            return Result(Outcome.delivered)
        error = _error(r)
        detail = f"{r.status_code}: {error.get('message', r.text[:300])}"
        log.warning("Messenger send answered %s", detail)
        transient = r.status_code >= 500 or error.get("code") in TRANSIENT_CODES
        return Result(Outcome.failed if transient else Outcome.rejected, detail)


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except ValueError:
        return {}
    return error if isinstance(error, dict) else {}
