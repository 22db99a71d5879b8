"""Websocket routes that stream a hub topic: snapshot first, then changes.

Authentication: the `cc_token` cookie, else a `token` query parameter (browsers
cannot set headers on a websocket). The token's signature and expiry are
checked; when the app has a database (served with its lifespan) the user is also
loaded once at connect, so disabled or demoted accounts are refused as on the
HTTP API; without one, the role in the signed token is trusted. Either way the
socket is closed when the token expires.

Each socket admits exactly whom its REST twin admits: /ws/wallboard as /api/v1/live
(supervisor, admin); /ws/agent as /api/v1/desk (agent, admin, and only a login linked to a
centre agent: the desk's 403 "not linked" is close code 4403 here).

Origin: a browser names the page that opens a socket, and any page may try (cookies ride
along, and pages on other localhost ports count as the same site). A socket whose Origin is
not this service's own origin is refused (4403); non-browser clients send no Origin and
authenticate with the `token` parameter.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_ui.hub import Hub, Subscription
from agent_ui.ws_server import SEND_NOW
from callcenter import services
from callcenter.config import Settings
from callcenter.errors import NotAuthenticated
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.deps import COOKIE_NAME
from callcenter.users.models import Role

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 1013  # "try again later": reconnect and start from a fresh snapshot
CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Admitted:
    """Who was let in: the token's claims and, with a database, the user's centre agent id."""

    claims: security.TokenClaims
    agent_id: str | None = None


TopicFor = Callable[[Admitted], str]


def wallboard_socket(path: str = "/ws/wallboard", *, topic: str = "wallboard") -> APIRouter:
    """The supervisors' wallboard stream (supervisor or admin)."""
    return topic_socket(path, topic_for=lambda _: topic, roles=(Role.supervisor,))


def agent_socket(path: str = "/ws/agent") -> APIRouter:
    """Each agent's own stream (screen pops): `agent:<agent id>`; logins without one are refused."""
    return topic_socket(path, topic_for=agent_topic, roles=(Role.agent,), needs_agent=True)


def chat_socket(path: str = "/ws/chat", *, topic: str = "chat") -> APIRouter:
    """The chat inbox's changes (conversation ids only) for agents and supervisors."""
    return topic_socket(path, topic_for=lambda _: topic, roles=(Role.agent, Role.supervisor))


def agent_topic(who: Admitted) -> str:
    """The hub topic of one agent's own stream; nobody else's socket subscribes to it."""
    return f"agent:{who.agent_id}"


def topic_socket(
    path: str, *, topic_for: TopicFor, roles: Iterable[Role | str], needs_agent: bool = False
) -> APIRouter:
    """A router with one websocket route streaming `topic_for(claims)` to `roles` (and admins);
    with `needs_agent`, only to logins linked to a centre agent."""
    allowed = {Role(r) for r in roles} | {Role.admin}
    router = APIRouter()

    @router.websocket(path)
    async def stream(
        websocket: WebSocket,
        hub: Annotated[Hub, Depends(services.hub)],
        settings: services.SettingsDep,
        sessions: services.SessionsIfAnyDep,
    ) -> None:
        await websocket.accept()  # before closing: a close during the handshake loses its code
        try:
            _check_origin(websocket)
            who = await _admit(websocket, allowed, settings, sessions)
            if needs_agent and not who.agent_id:
                raise _Refused(CLOSE_FORBIDDEN, NOT_LINKED)
        except _Refused as refused:
            await _close(websocket, refused.code, refused.reason)
            return
        await _stream(websocket, hub, topic_for(who), who.claims.expires_at)

    return router


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


Sessions = async_sessionmaker[AsyncSession]
NOT_LINKED = "No centre agent id on this login. / ไม่ได้ผูกรหัสเจ้าหน้าที่"  # 123 bytes at most


def _check_origin(websocket: WebSocket) -> None:
    """No Origin (not a browser), or this service's own: scheme, host and port."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return
    host = websocket.headers.get("host", "")
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    if origin.lower() != f"{scheme}://{host}".lower():
        raise _Refused(CLOSE_FORBIDDEN, "Only this service's own pages may open its sockets.")


async def _admit(
    websocket: WebSocket, allowed: set[Role], settings: Settings, sessions: Sessions | None
) -> Admitted:
    """Who connects, when the user may; _Refused otherwise."""
    token = websocket.cookies.get(COOKIE_NAME) or websocket.query_params.get("token")
    if not token:
        raise _Refused(CLOSE_UNAUTHENTICATED, "Log in first.")
    try:
        claims = security.decode_token(settings=settings, token=token)
    except NotAuthenticated as exc:
        raise _Refused(CLOSE_UNAUTHENTICATED, exc.message) from None
    role, agent_id = await _current_user(sessions, claims)
    if role is None:
        raise _Refused(CLOSE_UNAUTHENTICATED, "This account no longer exists or is disabled.")
    if role not in allowed:
        names = " or ".join(sorted(r.value for r in allowed))
        raise _Refused(CLOSE_FORBIDDEN, f"This needs the {names} role.")
    return Admitted(claims=claims, agent_id=agent_id)


async def _current_user(
    sessions: Sessions | None, claims: security.TokenClaims
) -> tuple[str | None, str | None]:
    """Role and agent id from the database when there is one, else the token's role; no role if
    the account is gone or disabled."""
    if sessions is None:
        return claims.role, None
    async with sessions() as session:
        user = await user_service.get(session=session, user_id=claims.user_id)
    if user is None or not user.active:
        return None, None
    return user.role.value, user.agent_id


async def _stream(websocket: WebSocket, hub: Hub, topic: str, expires_at: int) -> None:
    """Send the subscription until the client leaves, is dropped, or its token expires."""
    sub = hub.subscribe(topic)
    sender = _Sender(websocket, sub)
    listen = asyncio.create_task(_until_disconnect(websocket))
    try:
        sender.start()
        done, _ = await asyncio.wait(
            {sender.done, listen},
            timeout=max(0.0, expires_at - time.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        hub.unsubscribe(sub)
        sender.stop()
        listen.cancel()
        await asyncio.gather(*sender.tasks(), listen, return_exceptions=True)
    if sub.dropped:
        await _close(websocket, CLOSE_TOO_SLOW, "Too slow: reconnect for a fresh snapshot.")
    elif not done:
        await _close(websocket, CLOSE_UNAUTHENTICATED, "Your session has expired; log in again.")


class _Sender:
    """Sends one subscription's frames to its websocket; `done` when it can send no more.

    With the server's SEND_NOW extension (agent_ui.ws_server), frames go out from the hub's
    wake-up in one pass over the clients, like a broadcast loop: no task or future per client
    and change. A frame the socket cannot take at once goes through the ASGI send in a task,
    which then carries on until the client has caught up; the hub meanwhile coalesces or drops
    a client that stays behind. Without the extension, a task per client awaits each frame.
    """

    def __init__(self, websocket: WebSocket, sub: Subscription) -> None:
        self.websocket, self.sub, self.take = websocket, sub, sub.take
        extension = websocket.scope.get("extensions", {}).get(SEND_NOW)
        self.send_now: Callable[[bytes], bool] | None = extension and extension["send"]
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.ended = False
        self.task: asyncio.Task[None] | None = None
        sub.on_drop = self.stop  # a stuck send must not keep a dropped client around

    def start(self) -> None:
        """Send the snapshot, then the changes as they come."""
        if self.send_now is None:
            self.task = asyncio.create_task(self._pump())
        else:
            self.sub.on_ready = self.ready
            self.ready()

    def ready(self) -> None:
        """Send what the subscription holds, until it is drained or the socket is backed up."""
        send_now, take, utf8 = self.send_now, self.take, _utf8
        assert send_now is not None
        while self.task is None and not self.ended:
            frame = take()
            if frame is None:
                return
            if frame is not utf8.frame:  # clients that kept up share the frame and its bytes
                utf8.frame, utf8.data = frame, frame.encode()
            if not send_now(utf8.data):
                self.task = asyncio.create_task(self._send_then_resume(frame))

    async def _send_then_resume(self, frame: str) -> None:
        try:
            await self.websocket.send_text(frame)  # waits for the socket, or raises
        except Exception:  # the client has gone
            self._end()
            return
        self.task = None
        self.ready()

    async def _pump(self) -> None:
        try:
            while (frame := await self.sub.next_frame()) is not None:
                await self.websocket.send_text(frame)
        finally:
            self._end()

    def stop(self) -> None:
        """Stop sending, a send stuck on a full socket included."""
        if self.task is not None:
            self.task.cancel()
        self._end()

    def _end(self) -> None:
        if not self.ended:
            self.ended = True
            self.done.set_result(None)

    def tasks(self) -> list[asyncio.Task[None]]:
        return [] if self.task is None else [self.task]


@dataclass
class _Utf8:
    """The last frame sent and its UTF-8 bytes."""

    frame: str | None = None
    data: bytes = b""


_utf8 = _Utf8()


async def _until_disconnect(websocket: WebSocket) -> None:
    # Reading is how a departed client is noticed on a quiet topic; its messages are ignored.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    # A client that stopped reading may never let the close frame out: give up after a while.
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await websocket.close(code=code, reason=reason)
