"""Supervised AMI session on top of panoramisk's protocol parser.

panoramisk's `Manager` reconnects on a fixed delay, never checks ping replies,
replays unanswered actions after a reconnect (a second Originate!) and
dispatches events through `ensure_future` without order. We keep only its
wire parser (`AMIProtocol`) and own the connection: exponential backoff, a
ping watchdog that drops a half-open socket, a bounded in-order event queue,
and pending actions failed (never replayed) when the link drops.

Events are most of the traffic and most of them are not ours (RTCP, Newstate...):
they skip panoramisk's `Message` and become plain dicts only when the filter keeps
them. When the consumer falls behind, reading pauses (TCP flow control makes
Asterisk buffer) instead of dropping events.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from callcenter.ami.wire import WireProtocol, block_to_dict
from callcenter.background import Background, cancel_and_wait, wait_event

log = logging.getLogger(__name__)

AmiEventDict = dict[str, str]
OnConnected = Callable[["AmiClient"], Awaitable[None]]


class AmiNotConnected(ConnectionError):
    """The AMI link is down; the action was not sent."""


class AmiActionFailed(RuntimeError):
    """Asterisk answered an action with Response: Error."""


QUEUE_HIGH_WATER = 0.8  # pause reading the socket when the event queue is this full...
QUEUE_LOW_WATER = 0.6  # ...and resume once the consumer brought it down to this


def message_to_dict(message: Mapping[str, Any]) -> AmiEventDict:
    """Plain `{header: value}` dict of one AMI message (multi-valued headers joined)."""
    out: AmiEventDict = {}
    for key, value in message.items():
        if key == "content" and not value:
            continue  # panoramisk's body attribute, not a header Asterisk sent
        out[str(key)] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return out


class _Session:
    """What AMIProtocol calls back into: one TCP session, never reconnecting itself."""

    forgetable_actions = ("ping", "login")

    def __init__(
        self,
        *,
        on_block: Callable[[str, str], None],
        on_message: Callable[[Message], None],
        on_lost: Callable[[object], None],
    ) -> None:
        self.awaiting_actions: deque[Any] = deque()
        self.event = on_block
        self._on_message = on_message
        self._on_lost = on_lost
        self.protocol: AMIProtocol | None = None

    def dispatch(self, message: Message) -> None:
        # An event that took panoramisk's path (Shutdown, or one carrying an ActionID).
        self._on_message(message)

    def connection_lost(self, exc: object) -> None:
        # AMIProtocol parks unanswered actions here for a replay; we never replay.
        self.awaiting_actions.clear()
        self._on_lost(exc)


class EventQueue(asyncio.Queue[Any]):
    """The bounded event queue; calls `on_low` once when a get brings it down to `low`."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.high = max(1, int(maxsize * QUEUE_HIGH_WATER))
        self.low = int(maxsize * QUEUE_LOW_WATER)
        self.on_low: Callable[[], None] | None = None

    def _get(self) -> Any:
        item = super()._get()
        if self.on_low is not None and self.qsize() <= self.low:
            on_low, self.on_low = self.on_low, None
            on_low()
        return item


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
        self.events = EventQueue(queue_size)
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
        self.reading_paused = False  # by us, because the consumer is behind
        self._paused_while_pinging = False
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

    async def action(
        self, action: dict[str, Any], *, as_list: bool = False, timeout_s: float | None = None
    ) -> Any:
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
            async with asyncio.timeout(timeout_s or self._action_timeout):
                response = await future
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
        session = _Session(
            on_block=self._enqueue_block, on_message=self._enqueue, on_lost=self._mark_lost
        )
        async with asyncio.timeout(5):
            _, protocol = await loop.create_connection(WireProtocol, self._host, self._port)
        # What panoramisk's Manager would set; pinned to panoramisk 1.4 in pyproject.toml.
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
        async with asyncio.timeout(self._action_timeout):
            response = await login
        if not response.success:
            raise PermissionError(f"AMI login refused: {response.get('Message')}")
        self.connected = True
        self.connections += 1
        self.last_error = None
        self.last_pong_monotonic = time.monotonic()
        log.info("AMI connected to %s:%s as %s", self._host, self._port, self._username)

    async def _run_connected(self) -> None:
        """Run the on-connected callbacks beside a ping loop that ends when the link is lost or
        a ping goes unanswered (half-open socket).

        The callbacks (a QueueStatus resync) run as tasks: a link that freezes during them must
        still be noticed within the watchdog time. While we hold reading paused a reply cannot
        arrive: no ping then, and a ping that timed out because we paused says nothing.
        """
        hooks: list[asyncio.Future[None]] = [
            asyncio.ensure_future(callback(self)) for callback in self._on_connected
        ]
        try:
            await self._ping_until_lost()
        finally:
            await asyncio.gather(*(cancel_and_wait(hook) for hook in hooks))

    async def _ping_until_lost(self) -> None:
        while not self._lost.is_set():
            if await wait_event(self._lost, self._ping_interval):
                break
            if self.reading_paused:
                continue
            self._paused_while_pinging = False
            try:
                await self.action({"Action": "Ping"}, timeout_s=self._ping_timeout)
            except (TimeoutError, AmiNotConnected) as exc:
                if self._paused_while_pinging and not self._lost.is_set():
                    continue
                raise ConnectionError(f"AMI ping unanswered: {exc!r}") from exc
            self.last_pong_monotonic = time.monotonic()
        raise ConnectionError("AMI connection lost")

    def _close(self) -> None:
        self._fail_pending("AMI connection closed")
        self.reading_paused = False
        self.events.on_low = None
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

    def _enqueue_block(self, name: str, block: str) -> None:
        # Called synchronously from the protocol's data_received: never block here.
        if self._event_filter is None or self._event_filter(name):
            self._put(block_to_dict(block))

    def _enqueue(self, message: Message) -> None:
        name = str(message.get("Event", ""))
        if self._event_filter is None or self._event_filter(name):
            self._put(message_to_dict(message))

    def _put(self, event: AmiEventDict) -> None:
        events = self.events
        try:
            events.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped_events += 1
            if self.dropped_events == 1 or self.dropped_events % 1000 == 0:
                log.error("AMI event queue full: %d events dropped", self.dropped_events)
        if events.qsize() >= events.high and not self.reading_paused:
            self._pause_reading()

    def _transport(self) -> tuple[Any, Any] | None:
        """(protocol, transport) of the live session, or None."""
        protocol = self._session.protocol if self._session is not None else None
        transport = getattr(protocol, "transport", None)
        if transport is None or transport.is_closing():
            return None
        return protocol, transport

    def _pause_reading(self) -> None:
        """Let TCP hold Asterisk back until the consumer has caught up (no event dropped)."""
        live = self._transport()
        if live is None:
            return
        protocol, transport = live
        transport.pause_reading()
        protocol.held = True  # and the rest of the chunk being read waits too
        self.reading_paused = self._paused_while_pinging = True
        self.events.on_low = self._resume_soon

    def _resume_soon(self) -> None:
        # Not from inside the consumer's get(): the held events go into the same queue.
        asyncio.get_running_loop().call_soon(self._resume_reading)

    def _resume_reading(self) -> None:
        self.reading_paused = False
        live = self._transport()
        if live is None:
            return
        protocol, transport = live
        protocol.held = False
        protocol.data_received(b"")  # what was held back of the last chunk
        if not self.reading_paused:  # (it may have filled the queue again)
            transport.resume_reading()
