"""A local LINE Platform: the Messaging API endpoints the desk uses, and a webhook sender.

LINE cannot be reached from here, so tests (and later the demo) talk to this stand-in on
127.0.0.1. It speaks LINE's published wire format (line/line-openapi messaging-api.yml and
webhook.yml) and checks what it is sent the way LINE does:

- `POST /v2/bot/message/reply`: Bearer channel access token; `replyToken` one this platform
  issued with a webhook, used once, within `reply_token_s` of its event; `messages` 1..5.
- `POST /v2/bot/message/push`: `to` a user id (U + 32 hex); `messages` 1..5; an optional
  `X-Line-Retry-Key` (a UUID): a key already accepted answers 409 with
  `X-Line-Accepted-Request-Id`, and the message is not delivered again.
- `GET /v2/bot/profile/{userId}`: the display name a test gave the user (`profiles`).
- `GET /v2/bot/message/{messageId}/content`: a customer's picture a test put in `contents`.
- Message objects: known types; text 1..5000 characters; quick reply 1..13 items of
  `type: action`; action labels 1..20 characters; postback data at most 300.
- `POST /v2/bot/message/broadcast` (every friend) and `/multicast` (1..500 user ids): bodies
  checked against LINE's published OpenAPI description (openapi_check), retry keys as push.
- `GET /v2/bot/message/quota` and `/quota/consumption`: the month's limit (`quota_limit`)
  and the messages counted against it (push 1 per request, multicast per id, broadcast per
  friend; replies are free).
- Rich menus: `POST /v2/bot/richmenu` (the OpenAPI RichMenuRequest, and LINE's rules: width
  800..2500, height ≥ 250, 1..20 areas inside the image, chatBarText ≤ 14), `POST
  /v2/bot/richmenu/{id}/content` (JPEG or PNG ≤ 1 MB, once, the menu's size exactly) and
  `POST /v2/bot/user/all/richmenu/{id}` (a menu with its image) as the default.

Every accepted call is recorded (`deliveries`); every refused one too (`refusals`). A test
can make the next calls fail (`fail_next`), optionally after accepting them (the response
lost on the way back: exactly the case a retry key is for). `send_webhook` posts correctly
signed events to the desk, each with a fresh webhookEventId and reply token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callcenter.chat import openapi_check
from callcenter.chat.signature import line_signature

USER_ID = re.compile(r"^U[0-9a-f]{32}$")
MESSAGE_TYPES = frozenset(
    {"text", "textV2", "sticker", "image", "video", "audio", "location", "imagemap",
     "template", "flex", "coupon"}
)  # fmt: skip
ACTION_TYPES = frozenset(
    {"postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location",
     "richmenuswitch", "clipboard"}
)  # fmt: skip
AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def new_event_id() -> str:
    """A ULID-shaped id (26 Crockford base-32 characters), as LINE's webhookEventId."""
    return "".join(secrets.choice(ULID_ALPHABET) for _ in range(26))


@dataclass
class Delivery:
    """A message call LINE accepted."""

    method: str  # reply or push
    to: str
    messages: list[dict[str, Any]]
    retry_key: str | None
    request_id: str
    at: datetime


@dataclass
class _Failure:
    path: str
    status: int
    accept: bool


@dataclass
class StandinLine:
    """The platform's state; `app` serves it, `serve_standin` runs it on loopback."""

    channel_secret: str
    access_token: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    reply_token_s: float = 30.0
    desk_url: str = ""  # where webhooks go (…/webhooks/line)
    url: str = ""  # this stand-in's base URL, once served
    deliveries: list[Delivery] = field(default_factory=list)
    refusals: list[tuple[str, int, str]] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)  # userId → displayName
    quota_limit: int = 500  # the month's target limit (a free plan's)
    usage: int = 0  # messages counted against it this month
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, body) accepted
    rich_menus: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → request, image
    default_rich_menu: str | None = None
    contents: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # message id → picture
    _tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # token → user, at
    _accepted_keys: dict[str, str] = field(default_factory=dict)  # retry key → request id
    _failures: list[_Failure] = field(default_factory=list)

    # -- test controls -------------------------------------------------------------------

    def fail_next(self, path: str, *, status: int = 500, accept: bool = False) -> None:
        """The next call to `path` answers `status`; with `accept`, after delivering it."""
        self._failures.append(_Failure(path, status, accept))

    def delivered_to(self, user_id: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.to == user_id]

    async def send_webhook(
        self, events: list[dict[str, Any]], *, secret: str | None = None
    ) -> httpx.Response:
        """POST `events` to the desk, signed with the channel secret (or `secret`)."""
        body = json.dumps({"destination": "U" + "0" * 32, "events": events}).encode()
        signature = line_signature(secret or self.channel_secret, body)
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(
                self.desk_url, content=body,
                headers={"Content-Type": "application/json", "X-Line-Signature": signature},
            )  # fmt: skip

    def event(
        self, kind: str, user_id: str, *, redelivery_of: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A webhook event as LINE sends it; a message or postback carries a new reply token."""
        if redelivery_of is not None:
            return {**redelivery_of, "deliveryContext": {"isRedelivery": True}}
        now = self.clock()
        self.profiles.setdefault(user_id, f"ลูกค้า {user_id[-4:]}")  # a friend of the account
        event: dict[str, Any] = {
            "type": kind, "mode": "active", "timestamp": int(now.timestamp() * 1000),
            "source": {"type": "user", "userId": user_id}, "webhookEventId": new_event_id(),
            "deliveryContext": {"isRedelivery": False}, **fields,
        }  # fmt: skip
        if kind in ("message", "postback", "follow"):
            token = secrets.token_hex(16)
            self._tokens[token] = (user_id, now)
            event["replyToken"] = token
        return event

    def text_event(self, user_id: str, text: str) -> dict[str, Any]:
        message = {
            "id": str(secrets.randbelow(10**18)), "type": "text", "text": text,
            "quoteToken": secrets.token_urlsafe(16),
        }  # fmt: skip
        return self.event("message", user_id, message=message)

    def postback_event(self, user_id: str, data: str) -> dict[str, Any]:
        return self.event("postback", user_id, postback={"data": data})

    # -- the Messaging API ---------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v2/bot/message/reply", self._reply, methods=["POST"]),
                Route("/v2/bot/message/push", self._push, methods=["POST"]),
                Route("/v2/bot/profile/{user_id}", self._profile, methods=["GET"]),
                Route("/v2/bot/message/broadcast", self._broadcast, methods=["POST"]),
                Route("/v2/bot/message/multicast", self._multicast, methods=["POST"]),
                Route("/v2/bot/message/quota", self._quota, methods=["GET"]),
                Route("/v2/bot/message/{message_id}/content", self._content, methods=["GET"]),
                Route("/v2/bot/message/quota/consumption", self._consumption, methods=["GET"]),
                Route("/v2/bot/richmenu", self._rich_menu, methods=["POST"]),
                Route("/v2/bot/richmenu/{menu_id}/content", self._rich_image, methods=["POST"]),
                Route("/v2/bot/user/all/richmenu/{menu_id}", self._rich_default, methods=["POST"]),
            ]
        )

    async def _profile(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return self._refuse("profile", 401, AUTH_FAILED)
        user_id = request.path_params["user_id"]
        if user_id not in self.profiles:
            return self._refuse("profile", 404, "Not found")
        return JSONResponse(
            {"displayName": self.profiles[user_id], "userId": user_id, "language": "th"}
        )

    async def _reply(self, request: Request) -> JSONResponse:
        body, refused = await self._common(request, "reply")
        if refused is not None:
            return refused
        token = body.get("replyToken")
        issued = self._tokens.pop(token, None) if isinstance(token, str) else None
        if issued is None or self.clock() > issued[1] + timedelta(seconds=self.reply_token_s):
            return self._refuse("reply", 400, "Invalid reply token")
        return self._accept(request, "reply", issued[0], body["messages"], None)

    async def _push(self, request: Request) -> JSONResponse:
        body, refused = await self._common(request, "push")
        if refused is not None:
            return refused
        to = body.get("to")
        if not isinstance(to, str) or not USER_ID.match(to):
            return self._refuse("push", 400, "The property, 'to', in the request body is invalid")
        key = request.headers.get("x-line-retry-key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return self._refuse("push", 400, "The retry key must be a UUID")
            if key in self._accepted_keys:
                return JSONResponse(
                    {"message": "The retry key is already accepted", "sentMessages": []},
                    status_code=409,
                    headers={"X-Line-Accepted-Request-Id": self._accepted_keys[key]},
                )
        return self._accept(request, "push", to, body["messages"], key)

    async def _broadcast(self, request: Request) -> JSONResponse:
        return await self._to_many(request, "broadcast")

    async def _multicast(self, request: Request) -> JSONResponse:
        return await self._to_many(request, "multicast")

    async def _to_many(self, request: Request, path: str) -> JSONResponse:
        body, refused = await self._checked(request, path, f"/v2/bot/message/{path}")
        if refused is not None:
            return refused
        if path == "multicast" and not all(USER_ID.match(u) for u in body["to"]):
            return self._refuse(path, 400, "The property, 'to', in the request body is invalid")
        key = request.headers.get("x-line-retry-key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return self._refuse(path, 400, "The retry key must be a UUID")
            if key in self._accepted_keys:
                return JSONResponse(
                    {"message": "The retry key is already accepted", "sentMessages": []},
                    status_code=409,
                    headers={"X-Line-Accepted-Request-Id": self._accepted_keys[key]},
                )
        failure = next((f for f in self._failures if f.path == path), None)
        if failure is not None and not failure.accept:
            self._failures.remove(failure)
            return self._refuse(path, failure.status, "Internal server error")
        audience = list(body["to"]) if path == "multicast" else sorted(self.profiles)
        request_id = str(uuid.uuid4())
        self.calls.append((path, body))
        self.usage += len(audience)
        for to in audience:
            self.deliveries.append(
                Delivery(path, to, body["messages"], key, request_id, self.clock())
            )
        if key is not None:
            self._accepted_keys[key] = request_id
        if failure is not None:  # accepted, the answer lost
            self._failures.remove(failure)
            return JSONResponse({"message": "Internal server error"}, status_code=failure.status)
        return JSONResponse({}, headers={"X-Line-Request-Id": request_id})

    async def _content(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return self._refuse("content", 401, AUTH_FAILED)
        found = self.contents.get(request.path_params["message_id"])
        if found is None:
            return self._refuse("content", 404, "Not found")
        return Response(found[0], media_type=found[1])

    async def _quota(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return self._refuse("quota", 401, AUTH_FAILED)
        return JSONResponse({"type": "limited", "value": self.quota_limit})

    async def _consumption(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return self._refuse("quota", 401, AUTH_FAILED)
        return JSONResponse({"totalUsage": self.usage})

    async def _rich_menu(self, request: Request) -> JSONResponse:
        body, refused = await self._checked(request, "richmenu", "/v2/bot/richmenu")
        if refused is not None:
            return refused
        problem = _rich_menu_problem(body)
        if problem:
            return self._refuse("richmenu", 400, problem)
        menu_id = "richmenu-" + secrets.token_hex(16)
        self.rich_menus[menu_id] = {"request": body, "image": None, "content_type": None}
        self.calls.append(("richmenu", body))
        return JSONResponse({"richMenuId": menu_id})

    async def _rich_image(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return self._refuse("richmenu-content", 401, AUTH_FAILED)
        menu = self.rich_menus.get(request.path_params["menu_id"])
        if menu is None:
            return self._refuse("richmenu-content", 404, "Not found")
        if menu["image"] is not None:
            return self._refuse(
                "richmenu-content", 400, "An image has already been uploaded to the richmenu"
            )
        content_type = request.headers.get("content-type", "")
        data = await request.body()
        if content_type not in ("image/jpeg", "image/png"):
            return self._refuse("richmenu-content", 415, "Unsupported Media Type")
        if len(data) > 1024 * 1024:
            return self._refuse("richmenu-content", 413, "Request Entity Too Large")
        size = menu["request"]["size"]
        if content_type == "image/png" and _png_size(data) != (size["width"], size["height"]):
            return self._refuse("richmenu-content", 400, "Image size does not match the size")
        menu["image"], menu["content_type"] = data, content_type
        return JSONResponse({})

    async def _rich_default(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return self._refuse("richmenu-default", 401, AUTH_FAILED)
        menu_id = request.path_params["menu_id"]
        menu = self.rich_menus.get(menu_id)
        if menu is None or menu["image"] is None:
            return self._refuse("richmenu-default", 400, "must upload richmenu image before")
        self.default_rich_menu = menu_id
        return JSONResponse({})

    async def _checked(
        self, request: Request, path: str, operation: str
    ) -> tuple[dict[str, Any], Any]:
        """The body, checked against the published OpenAPI request schema of `operation`."""
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return {}, self._refuse(path, 401, AUTH_FAILED)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return {}, self._refuse(path, 400, "The request body has 1 error(s)")
        problems = openapi_check.problems(body, openapi_check.request_schema(operation))
        if problems:
            return {}, self._refuse(path, 400, "; ".join(problems))
        return body, None

    async def _common(self, request: Request, path: str) -> tuple[dict[str, Any], Any]:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return {}, self._refuse(
                path,
                401,
                AUTH_FAILED,
            )
        try:
            body = json.loads(await request.body())
        except ValueError:
            return {}, self._refuse(path, 400, "The request body has 1 error(s)")
        problem = _messages_problem(body.get("messages") if isinstance(body, dict) else None)
        if problem:
            return {}, self._refuse(path, 400, problem)
        return body, None

    def _accept(
        self, request: Request, path: str, to: str, messages: list[dict[str, Any]], key: str | None
    ) -> JSONResponse:
        failure = next((f for f in self._failures if f.path == path), None)
        request_id = str(uuid.uuid4())
        if failure is not None:
            self._failures.remove(failure)
            if not failure.accept:
                return self._refuse(path, failure.status, "Internal server error")
        self.deliveries.append(Delivery(path, to, messages, key, request_id, self.clock()))
        if key is not None:
            self._accepted_keys[key] = request_id
        if failure is not None:  # accepted, but the answer is lost
            return JSONResponse({"message": "Internal server error"}, status_code=failure.status)
        sent = [{"id": str(secrets.randbelow(10**18)), "quoteToken": secrets.token_urlsafe(16)}
                for _ in messages]  # fmt: skip
        return JSONResponse({"sentMessages": sent}, headers={"X-Line-Request-Id": request_id})

    def _refuse(self, path: str, status: int, message: str) -> JSONResponse:
        self.refusals.append((path, status, message))
        return JSONResponse({"message": message}, status_code=status)


def _messages_problem(messages: Any) -> str:
    """Why `messages` is not a valid LINE message array ("" when it is)."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
            return f"messages[{i}].type: must be one of the message types"
        if message["type"] == "text":
            text = message.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= 5000:
                return f"messages[{i}].text: length must be between 1 and 5000"
        problem = _quick_reply_problem(message.get("quickReply"), f"messages[{i}].quickReply")
        if problem:
            return problem
    return ""


def _rich_menu_problem(menu: dict[str, Any]) -> str:
    """LINE's rules for a rich menu beyond its schema (developers.line.biz, rich menu object)."""
    for name in ("size", "selected", "name", "chatBarText", "areas"):
        if name not in menu:
            return f"{name}: required"
    width, height = menu["size"].get("width", 0), menu["size"].get("height", 0)
    if not 800 <= width <= 2500 or height < 250 or width / height < 1.45:
        return "size: width 800..2500, height at least 250, width/height at least 1.45"
    if not 1 <= len(menu["areas"]) <= 20:
        return "areas: size must be between 1 and 20"
    for i, area in enumerate(menu["areas"]):
        b = area.get("bounds", {})
        if b.get("x", 0) + b.get("width", 0) > width or b.get("y", 0) + b.get("height", 0) > height:
            return f"areas[{i}].bounds: outside the rich menu"
        action = area.get("action") or {}
        if action.get("type") == "uri" and not str(action.get("uri", "")).startswith(
            ("http://", "https://", "line://", "tel:")
        ):
            return f"areas[{i}].action.uri: invalid"
    return ""


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _quick_reply_problem(quick: Any, where: str) -> str:
    if quick is None:
        return ""
    items = quick.get("items") if isinstance(quick, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= 13:
        return f"{where}.items: size must be between 1 and 13"
    for j, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type", "action") != "action":
            return f"{where}.items[{j}]: must be an action item"
        action = item.get("action")
        if not isinstance(action, dict):
            return f"{where}.items[{j}]: must be an action item"
        if action.get("type") not in ACTION_TYPES:
            return f"{where}.items[{j}].action.type: unknown action"
        label = action.get("label")
        if not isinstance(label, str) or not 1 <= len(label) <= 20:
            return f"{where}.items[{j}].action.label: length must be between 1 and 20"
        if action["type"] == "postback" and len(str(action.get("data", ""))) > 300:
            return f"{where}.items[{j}].action.data: length must be at most 300"
    return ""


class LoopServer(uvicorn.Server):
    """uvicorn inside the caller's event loop: leaves the caller's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve_app(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 at a free port until exit; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = LoopServer(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="standin")
    try:
        while not server.started:
            if task.done():
                await task  # raises why it could not start
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def serve_standin(standin: StandinLine) -> AsyncIterator[StandinLine]:
    """Serve the stand-in on 127.0.0.1 at a free port (sets `standin.url`) until exit."""
    async with serve_app(standin.app) as url:
        standin.url = url
        yield standin
