"""ASGI guards in front of every route: what no handler should have to check itself.

- a URL (path or query) holding NUL is refused (422) before any handler: PostgreSQL text
  cannot hold it, and every text parameter would otherwise need its own check;
- request bodies are capped before authentication and parsing (413): JSON at `json_max`,
  attachment, content-calendar and IVR prompt uploads at their own limits;
- the client address (login limiter, audit) is the socket's peer; X-Forwarded-For is read
  only when that peer is one of the configured trusted proxies;
- every response says `nosniff`, may not be framed, and leaks no referrer; pages get a
  Content-Security-Policy allowing scripts and styles from this origin only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_MAX_BYTES = 1024 * 1024
UPLOAD_ROUTES = (
    (re.compile(r"/api/v1/cases/[^/]+/attachments"), "attachment"),
    (re.compile(r"/api/v1/social/calendar/[^/]+/asset"), "asset"),  # posts' pictures, videos
    (re.compile(r"/api/v1/prompts/[^/]+/[^/]+"), "prompt"),  # IVR prompt recordings (WAV, MP3)
    # an admin's picture: 1 MB to LINE/Messenger, up to the attachment limit on e-mail
    (re.compile(r"/api/v1/chat/conversations/[^/]+/reply-image"), "attachment"),
)
# Slack over the attachment limit so the route itself answers `attachment_too_large`.
UPLOAD_SLACK_BYTES = 64 * 1024


class BodyTooLarge(HTTPException):
    """Raised from `receive`: FastAPI lets HTTPExceptions through its body parsing (errors.py)."""

    def __init__(self, limit: int) -> None:
        message = f"The request body is over {limit} bytes. / ข้อมูลที่ส่งมามีขนาดเกิน {limit} ไบต์"
        super().__init__(status_code=413, detail=message)
        self.limit = limit

    def body(self) -> dict[str, Any]:
        return {
            "error_id": "body_too_large",
            "message": self.detail,
            "details": {"limit": self.limit},
        }


def page_policy(connect: str = "") -> str:
    """The CSP of HTML pages: this origin only (plus `connect`, e.g. the SIP websocket)."""
    sources = " ".join(s for s in ("'self'", connect) if s)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"media-src 'self' blob:; connect-src {sources}; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class Guards:
    """The pure ASGI middleware applying the rules above."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        upload_max: int,
        asset_max: int | None = None,
        prompt_max: int | None = None,
        json_max: int = JSON_MAX_BYTES,
        csp: str = "",
        trusted_proxies: Iterable[str] = (),
    ) -> None:
        self.app, self.json_max, self.csp = app, json_max, (csp or page_policy()).encode()
        self.limits = {  # each upload route's own cap (the content calendar's videos are big)
            "attachment": upload_max + UPLOAD_SLACK_BYTES,
            "asset": (upload_max if asset_max is None else asset_max) + UPLOAD_SLACK_BYTES,
            "prompt": (upload_max if prompt_max is None else prompt_max) + UPLOAD_SLACK_BYTES,
        }
        self.trusted = [ip_network(p, strict=False) for p in trusted_proxies]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self.trusted:
            _forwarded_client(scope, self.trusted)
        if _has_nul(scope):
            await _refuse_nul(scope, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            error = BodyTooLarge(limit)
            await _send_json(send, error.status_code, error.body(), headers=list(COMMON_HEADERS))
            return
        await self.app(scope, _capped(receive, limit), self._with_headers(send))

    def _limit(self, path: str) -> int:
        for route, kind in UPLOAD_ROUTES:
            if route.fullmatch(path):
                return self.limits[kind]
        return self.json_max

    def _with_headers(self, send: Send) -> Send:
        csp = self.csp

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in COMMON_HEADERS if k not in present]
                kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if kind.startswith(b"text/html"):
                    headers.append((b"content-security-policy", csp))
                message["headers"] = headers
            await send(message)

        return sending


Network = IPv4Network | IPv6Network


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def forwarded_for(peer: str, header: str | None, trusted: list[Network]) -> str:
    """The client address: the peer, unless it is a trusted proxy; then the nearest address
    in X-Forwarded-For (read right to left) that is not itself a trusted proxy."""
    if not header or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in header.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # garbage from the proxy: keep what we know
    return hops[0] if hops else peer


def _forwarded_client(scope: Scope, trusted: list[Network]) -> None:
    client = scope.get("client")
    if not client:
        return
    header = next(
        (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"),
        None,
    )
    scope["client"] = (forwarded_for(client[0], header, trusted), client[1])


def _has_nul(scope: Scope) -> bool:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return b"\x00" in unquote_to_bytes(scope.get("query_string", b"")) or b"\x00" in (
        unquote_to_bytes(raw_path)
    )


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _capped(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge (answered 413 by errors.py) past `limit` bytes."""
    seen = 0

    async def receiving() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return receiving


async def _refuse_nul(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": "NUL in the URL"})
        return
    body = {
        "error_id": "validation_failed",
        "message": "The address may not contain the NUL character (%00). / "
        "ที่อยู่ที่ส่งมามีอักขระ NUL ซึ่งไม่อนุญาต",
        "details": {"errors": [{"loc": ["url"], "msg": "NUL character", "type": "value_error"}]},
    }
    await _send_json(send, 422, body, headers=list(COMMON_HEADERS))


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    start_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"connection", b"close"),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": data})
