"""Supervised AMI session on top of panoramisk's protocol parser.

panoramisk's `Manager` reconnects on a fixed delay, never checks ping replies,
replays unanswered actions after a reconnect (a second Originate!) and
dispatches events through `ensure_future` without order. We keep only its
wire parser (`AMIProtocol`) and own the connection: exponential backoff, a
ping watchdog that drops a half-open socket, a bounded in-order event queue,
and pending actions failed (never replayed) when the link drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from callcenter.background import Background

log = logging.getLogger(__name__)

AmiEventDict = dict[str, str]
OnConnected = Callable[["AmiClient"], Awaitable[None]]


class AmiNotConnected(ConnectionError):
    """The AMI link is down; the action was not sent."""


class AmiActionFailed(RuntimeError):
    """Asterisk answered an action with Response: Error."""


def message_to_dict(message: Mapping[str, Any]) -> AmiEventDict:
    """Plain `{header: value}` dict of one AMI message (multi-valued headers joined)."""
    out: AmiEventDict = {}
    for key, value in message.items():
        out[str(key)] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return out


class _Session:
    """What AMIProtocol calls back into: one TCP session, never reconnecting itself."""

    forgetable_actions = ("ping", "login")

    def __init__(
        self, on_event: Callable[[Message], None], on_lost: Callable[[object], None]
    ) -> None:
        self.awaiting_actions: deque[Any] = deque()
        self._on_event = on_event
        self._on_lost = on_lost
        self.protocol: AMIProtocol | None = None

    def dispatch(self, message: Message) -> None:
        self._on_event(message)

    def connection_lost(self, exc: object) -> None:
        # AMIProtocol parks unanswered actions here for a replay; we never replay.
        self.awaiting_actions.clear()
        self._on_lost(exc)


class AmiClient(Background):
    """One supervised AMI login: reconnect with backoff, ping watchdog, bounded event queue."""

    task_name = "ami-supervisor"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        secret: str,
        queue_size: int = 100_000,
        ping_interval_s: float = 5.0,
        watchdog_timeout_s: float = 15.0,
        backoff_max_s: float = 5.0,
        action_timeout_s: float = 10.0,
        event_filter: Callable[[str], bool] | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._username, self._secret = username, secret
        self.events: asyncio.Queue[AmiEventDict] = asyncio.Queue(maxsize=queue_size)
        self._ping_interval = ping_interval_s
        # A ping must come back within (timeout - interval) so a dead link is seen in time.
        self._ping_timeout = max(1.0, watchdog_timeout_s - ping_interval_s)
        self._backoff_max = backoff_max_s
        self._action_timeout = action_timeout_s
        self._event_filter = event_filter
        self._on_connected: list[OnConnected] = []
        self._pending: set[asyncio.Future[Any]] = set()
        self._session: _Session | None = None
        self._lost: asyncio.Event = asyncio.Event()
        self.connected = False
        self.connections = 0
        self.dropped_events = 0
        self.last_error: str | None = None
        self.last_pong_monotonic: float | None = None

    def on_connected(self, callback: OnConnected) -> None:
        """Run `callback` after every successful login (e.g. a QueueStatus resync)."""
        self._on_connected.append(callback)

    async def _stopped(self) -> None:
        self._close()

    async def wait_connected(self, timeout_s: float) -> None:
        """Wait until logged in, or raise TimeoutError."""
        deadline = time.monotonic() + timeout_s
        while not self.connected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"AMI not connected after {timeout_s}s: {self.last_error}")
            await asyncio.sleep(0.05)

    async def action(self, action: dict[str, Any], *, as_list: bool = False) -> Any:
        """Send one action; `as_list` for actions answered by an event list (or OriginateResponse).

        Always explicit: panoramisk otherwise guesses from the reply text and waits
        forever on some single replies (QueueAdd's "Added interface to queue").
        """
        session = self._session
        if not self.connected or session is None or session.protocol is None:
            raise AmiNotConnected(f"AMI is not connected: {self.last_error}")
        future = session.protocol.send(dict(action), as_list=as_list)
        self._pending.add(future)
        try:
            response = await asyncio.wait_for(future, timeout=self._action_timeout)
        finally:
            self._pending.discard(future)
        first = response[0] if isinstance(response, list) and response else response
        if isinstance(first, Message) and first.get("Response") == "Error":
            raise AmiActionFailed(f"{action.get('Action')}: {first.get('Message')}")
        return response

    # -- connection life ---------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect_and_login()
                attempt = 0
                await self._run_connected()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("AMI %s:%s: %s", self._host, self._port, self.last_error)
            finally:
                self.connected = False
                self._close()
            attempt += 1
            delay = min(self._backoff_max, 0.25 * 2**attempt) * random.uniform(0.8, 1.2)
            await asyncio.sleep(delay)

    async def _connect_and_login(self) -> None:
        loop = asyncio.get_running_loop()
        self._lost = asyncio.Event()
        session = _Session(self._enqueue, self._mark_lost)
        _, protocol = await asyncio.wait_for(
            loop.create_connection(AMIProtocol, self._host, self._port), timeout=5
        )
        protocol.queue = deque()
        protocol.factory = session
        protocol.log = log
        protocol.config = {}
        protocol.encoding = "utf8"
        protocol.responses = {}
        session.protocol = protocol
        self._session = session
        login = protocol.send(
            {
                "Action": "Login",
                "Username": self._username,
                "Secret": self._secret,
                "Events": "on",
            }
        )
        response = await asyncio.wait_for(login, timeout=self._action_timeout)
        if not response.success:
            raise PermissionError(f"AMI login refused: {response.get('Message')}")
        self.connected = True
        self.connections += 1
        self.last_error = None
        self.last_pong_monotonic = time.monotonic()
        log.info("AMI connected to %s:%s as %s", self._host, self._port, self._username)
        for callback in self._on_connected:
            await callback(self)

    async def _run_connected(self) -> None:
        """Ping until the link is lost or a ping goes unanswered (half-open socket)."""
        while not self._lost.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._lost.wait(), timeout=self._ping_interval)
            if self._lost.is_set():
                break
            try:
                await self.action({"Action": "Ping"})
            except (TimeoutError, AmiNotConnected) as exc:
                raise ConnectionError(f"AMI ping unanswered: {exc!r}") from exc
            self.last_pong_monotonic = time.monotonic()
        raise ConnectionError("AMI connection lost")

    def _close(self) -> None:
        self._fail_pending("AMI connection closed")
        session, self._session = self._session, None
        if session is not None and session.protocol is not None:
            session.protocol.responses.clear()
            transport = getattr(session.protocol, "transport", None)
            if transport is not None:
                transport.abort()

    def _fail_pending(self, why: str) -> None:
        for future in list(self._pending):
            if not future.done():
                future.set_exception(AmiNotConnected(why))
        self._pending.clear()

    def _mark_lost(self, exc: object) -> None:
        self.connected = False
        self.last_error = f"connection lost: {exc!r}" if exc else "connection lost"
        self._fail_pending(self.last_error)
        self._lost.set()

    def _enqueue(self, message: Message) -> None:
        # Called synchronously from the protocol's data_received: never block here.
        name = str(message.get("Event", ""))
        if self._event_filter is not None and not self._event_filter(name):
            return
        try:
            self.events.put_nowait(message_to_dict(message))
        except asyncio.QueueFull:
            self.dropped_events += 1
            if self.dropped_events == 1 or self.dropped_events % 1000 == 0:
                log.error("AMI event queue full: %d events dropped", self.dropped_events)
