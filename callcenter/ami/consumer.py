"""The one consumer: AMI events in arrival order → the live pipeline (store, reduce, notify)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from callcenter.ami.client import AmiClient, message_to_dict
from callcenter.ami.translate import queue_status_snapshot
from callcenter.background import cancel_and_wait

log = logging.getLogger(__name__)

Handle = Callable[[Any], None]
Tick = Callable[[float], None]
YIELD_EVERY = 256  # events applied in a row before the consumer lets other tasks run


class AmiConsumer:
    """Hands every queued AMI event to `handle` in order; resyncs after each (re)connect."""

    def __init__(
        self, *, client: AmiClient, handle: Handle, tick: Tick | None = None, tick_s: float = 1.0
    ) -> None:
        self._client = client
        self._handle = handle
        self._tick = tick
        self._tick_s = tick_s
        self._tasks: list[asyncio.Task[None]] = []
        self.consumed = 0
        self.failures = 0
        client.on_connected(self._resync)

    async def start(self) -> None:
        if not self._tasks:
            self._tasks.append(asyncio.create_task(self._run(), name="ami-consumer"))
            if self._tick is not None:
                self._tasks.append(asyncio.create_task(self._ticker(), name="ami-ticker"))

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks.clear()

    async def _run(self) -> None:
        events = self._client.events
        while True:
            self._apply(await events.get())
            # A get on a non-empty queue never suspends: yield now and then, so the
            # writers, the board and the socket reader get their turn.
            for _ in range(YIELD_EVERY - 1):
                if events.empty():
                    break
                self._apply(events.get_nowait())
            await asyncio.sleep(0)

    def _apply(self, item: Any) -> None:
        try:
            self._handle(item)
        except Exception:
            # One bad event must not stop the figures; it stays in the raw store.
            self.failures += 1
            log.exception("applying an AMI event failed")
        self.consumed += 1

    async def _ticker(self) -> None:
        assert self._tick is not None
        while True:
            await asyncio.sleep(self._tick_s)
            try:
                self._tick(time.time())
            except Exception:
                log.exception("time-driven update failed")

    async def _resync(self, client: AmiClient) -> None:
        """A QueueStatus snapshot goes into the stream, in order, to rebuild live state."""
        try:
            response = await client.action({"Action": "QueueStatus"}, as_list=True)
        except Exception as exc:
            log.warning("QueueStatus resync failed: %s", exc)
            return
        messages = [message_to_dict(m) for m in response] if isinstance(response, list) else []
        snapshot = queue_status_snapshot(messages, ts=time.time())
        with contextlib.suppress(asyncio.QueueFull):
            client.events.put_nowait(snapshot)
