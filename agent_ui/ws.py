"""Websocket routes that stream a hub topic: snapshot first, then changes.

Authentication: the `cc_token` cookie, else a `token` query parameter (browsers
cannot set headers on a websocket). The token's signature and expiry are
checked; when the app has a database (served with its lifespan) the user is also
loaded once at connect, so disabled or demoted accounts are refused as on the
HTTP API; without one, the role in the signed token is trusted. Either way the
socket is closed when the token expires.
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
    """Each agent's own stream (screen pops): `agent:<agent id>`, or `user:<id>` without one."""
    return topic_socket(path, topic_for=agent_topic, roles=(Role.agent,))


def agent_topic(who: Admitted) -> str:
    """The hub topic of one agent's own stream; nobody else's socket subscribes to it."""
    return f"agent:{who.agent_id}" if who.agent_id else f"user:{who.claims.user_id}"


def topic_socket(path: str, *, topic_for: TopicFor, roles: Iterable[Role | str]) -> APIRouter:
    """A router with one websocket route streaming `topic_for(claims)` to `roles` (and admins)."""
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
            who = await _admit(websocket, allowed, settings, sessions)
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
    """Pump the subscription until the client leaves, is dropped, or its token expires."""
    sub = hub.subscribe(topic)
    pump = asyncio.create_task(_pump(websocket, sub))
    sub.on_drop = pump.cancel  # a stuck send must not keep a dropped client around
    listen = asyncio.create_task(_until_disconnect(websocket))
    try:
        done, _ = await asyncio.wait(
            {pump, listen},
            timeout=max(0.0, expires_at - time.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        hub.unsubscribe(sub)
        pump.cancel()
        listen.cancel()
        await asyncio.gather(pump, listen, return_exceptions=True)
    if sub.dropped:
        await _close(websocket, CLOSE_TOO_SLOW, "Too slow: reconnect for a fresh snapshot.")
    elif not done:
        await _close(websocket, CLOSE_UNAUTHENTICATED, "Your session has expired; log in again.")


async def _pump(websocket: WebSocket, sub: Subscription) -> None:
    while (frame := await sub.next_frame()) is not None:
        await websocket.send_text(frame)


async def _until_disconnect(websocket: WebSocket) -> None:
    # Reading is how a departed client is noticed on a quiet topic; its messages are ignored.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    # A client that stopped reading may never let the close frame out: give up after a while.
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await websocket.close(code=code, reason=reason)
