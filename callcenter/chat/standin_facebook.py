"""A local Messenger Platform: the Send API the desk uses, and a signed webhook sender.

It speaks Meta's published wire format (developers.facebook.com, Messenger Platform:
Webhooks, Send API, Quick Replies) and checks what it is sent the way the Graph API does:

- `POST /{version}/me/messages?access_token=…`: the page access token; `recipient.id` a
  PSID this page has heard from; `messaging_type` RESPONSE (the customer wrote within
  24 h), UPDATE, or MESSAGE_TAG with `tag` HUMAN_AGENT (within 7 days); a `message` with
  1..2000 characters of text and at most 13 quick replies (title 1..20, payload ≤ 1000).
  Outside the window: 400, error code 10, subcode 2018278, as Meta answers.
- Webhooks: `{"object": "page", "entry": [{"id", "time", "messaging": [...]}]}`, signed
  with X-Hub-Signature-256 (sha256= hex HMAC of the raw body with the app secret); a
  customer's pictures are `message.attachments` of type image with `payload.url`, served
  by the stand-in's /cdn/ as Meta's CDN serves them.

Every accepted message is recorded (`deliveries`), every refusal too (`refusals`).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callcenter.chat.signature import facebook_signature
from callcenter.chat.standin_line import serve_app

PAGE_ID = "104857600000001"
RESPONSE_WINDOW, HUMAN_AGENT_WINDOW = timedelta(hours=24), timedelta(days=7)


def new_psid() -> str:
    return str(secrets.randbelow(9 * 10**15) + 10**15)


@dataclass
class FbDelivery:
    to: str
    message: dict[str, Any]
    messaging_type: str
    tag: str | None
    at: datetime


@dataclass
class StandinMessenger:
    app_secret: str
    page_token: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    version: str = "v21.0"
    desk_url: str = ""  # …/webhooks/facebook
    url: str = ""  # the Graph API base URL (with the version), once served
    deliveries: list[FbDelivery] = field(default_factory=list)
    refusals: list[tuple[int, str]] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)  # PSID → name
    _last_heard: dict[str, datetime] = field(default_factory=dict)  # PSID → their last message
    base: str = ""  # where it is served (the CDN's pictures are under /cdn/)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # token → picture, type
    media_fetches: list[str] = field(default_factory=list)  # tokens fetched, in order

    def delivered_to(self, psid: str) -> list[FbDelivery]:
        return [d for d in self.deliveries if d.to == psid]

    # -- webhooks ------------------------------------------------------------------------

    def message_event(
        self,
        psid: str,
        text: str | None = None,
        *,
        quick_reply: str | None = None,
        mid: str | None = None,
    ) -> dict[str, Any]:
        """A customer's message (a tapped quick reply carries its payload)."""
        now = self.clock()
        self._last_heard[psid] = now
        self.profiles.setdefault(psid, f"Customer {psid[-4:]}")
        message: dict[str, Any] = {"mid": mid or "m_" + secrets.token_urlsafe(48)}
        if text is not None:
            message["text"] = text
        if quick_reply is not None:
            message["quick_reply"] = {"payload": quick_reply}
        return self._event(psid, now, message=message)

    def image_event(
        self, psid: str, pictures: list[tuple[bytes, str]], *, sticker_id: int | None = None
    ) -> dict[str, Any]:
        """A customer's message of pictures (bytes, media type), as Meta's `messages` webhook
        carries them: `attachments` of type image whose `payload.url` is on Meta's CDN (here
        the stand-in's /cdn/, no sign-in). With `sticker_id`: a sticker, sent in the
        transition's two forms (type sticker, and type image with the sticker_id)."""
        now = self.clock()
        self._last_heard[psid] = now
        self.profiles.setdefault(psid, f"Customer {psid[-4:]}")
        attachments = []
        for data, content_type in pictures:
            token = secrets.token_urlsafe(16)
            self.media[token] = (data, content_type)
            payload: dict[str, Any] = {"url": f"{self.base}/cdn/{token}"}
            if sticker_id is not None:
                payload["sticker_id"] = sticker_id
                attachments.append({"type": "sticker", "payload": dict(payload)})
            attachments.append({"type": "image", "payload": payload})
        message = {"mid": "m_" + secrets.token_urlsafe(48), "attachments": attachments}
        return self._event(psid, now, message=message)

    def _event(self, psid: str, now: datetime, **content: Any) -> dict[str, Any]:
        return {
            "sender": {"id": psid}, "recipient": {"id": PAGE_ID},
            "timestamp": int(now.timestamp() * 1000), **content,
        }  # fmt: skip

    async def send_webhook(
        self, events: list[dict[str, Any]], *, secret: str | None = None
    ) -> httpx.Response:
        """POST `events` to the desk in one entry, signed with the app secret (or `secret`)."""
        now = int(self.clock().timestamp() * 1000)
        body = json.dumps(
            {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": events}]}
        ).encode()
        signature = facebook_signature(secret or self.app_secret, body)
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(
                self.desk_url, content=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            )  # fmt: skip

    # -- the Send API --------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"/{self.version}/me/messages", self._send, methods=["POST"]),
                Route("/cdn/{token}", self._cdn, methods=["GET"]),
            ]
        )

    async def _cdn(self, request: Request) -> Response:
        """A customer's picture, as Meta's CDN serves an attachment URL."""
        token = request.path_params["token"]
        if token not in self.media:
            return Response(b"", status_code=404)
        self.media_fetches.append(token)
        data, content_type = self.media[token]
        return Response(data, media_type=content_type)

    async def _send(self, request: Request) -> JSONResponse:
        if request.query_params.get("access_token") != self.page_token:
            return self._refuse(190, "Invalid OAuth access token.", status=401)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return self._refuse(100, "Invalid parameter")
        psid = (body.get("recipient") or {}).get("id") if isinstance(body, dict) else None
        if psid not in self._last_heard:
            return self._refuse(100, "No matching user found", subcode=2018001)
        problem = _message_problem(body.get("message"))
        if problem:
            return self._refuse(100, f"(#100) {problem}")
        kind, tag = body.get("messaging_type"), body.get("tag")
        since = self.clock() - self._last_heard[psid]
        if kind == "MESSAGE_TAG" and tag != "HUMAN_AGENT":
            return self._refuse(100, "(#100) Param tag must be one of the allowed tags")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return self._refuse(100, "(#100) Param messaging_type is invalid")
        window = HUMAN_AGENT_WINDOW if kind == "MESSAGE_TAG" else RESPONSE_WINDOW
        if since > window:
            return self._refuse(
                10, "(#10) This message is sent outside of allowed window.", subcode=2018278
            )
        self.deliveries.append(FbDelivery(psid, body["message"], kind, tag, self.clock()))
        mid = "m_" + secrets.token_urlsafe(48)
        return JSONResponse({"recipient_id": psid, "message_id": mid})

    def _refuse(
        self, code: int, message: str, *, status: int = 400, subcode: int | None = None
    ) -> JSONResponse:
        self.refusals.append((code, message))
        error: dict[str, Any] = {
            "message": message, "type": "OAuthException", "code": code,
            "fbtrace_id": secrets.token_urlsafe(8),
        }  # fmt: skip
        if subcode is not None:
            error["error_subcode"] = subcode
        return JSONResponse({"error": error}, status_code=status)


def _message_problem(message: Any) -> str:
    if not isinstance(message, dict):
        return "Param message must be an object"
    if "attachment" in message:  # a picture, audio, video or file Meta fetches by URL
        attachment = message["attachment"]
        if "text" in message or not isinstance(attachment, dict):
            return "Param message must have text or attachment, not both"
        if attachment.get("type") not in ("image", "audio", "video", "file"):
            return "Param message[attachment][type] must be image, audio, video or file"
        url = (attachment.get("payload") or {}).get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return "Param message[attachment][payload][url] must be a URL"
        return ""
    text = message.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= 2000:
        return "Param message[text] must be 1..2000 characters"
    quick = message.get("quick_replies")
    if quick is None:
        return ""
    if not isinstance(quick, list) or not 1 <= len(quick) <= 13:
        return "Param message[quick_replies] must have 1..13 items"
    for item in quick:
        if not isinstance(item, dict) or item.get("content_type") != "text":
            return "Param message[quick_replies][content_type] must be text"
        if not 1 <= len(str(item.get("title", ""))) <= 20:
            return "Param message[quick_replies][title] must be 1..20 characters"
        if not 1 <= len(str(item.get("payload", ""))) <= 1000:
            return "Param message[quick_replies][payload] must be 1..1000 characters"
    return ""


@contextlib.asynccontextmanager
async def serve_standin(standin: StandinMessenger) -> AsyncIterator[StandinMessenger]:
    """Serve the stand-in on 127.0.0.1 (sets `standin.url` to its Graph API base) until exit."""
    async with serve_app(standin.app) as base:
        standin.base, standin.url = base, f"{base}/{standin.version}"
        yield standin
