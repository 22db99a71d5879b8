"""The one consumer: AMI events in order → storage (and, later, the metric reducers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from callcenter.ami.client import AmiClient, message_to_dict
from callcenter.ami.store import EventWriter

log = logging.getLogger(__name__)


class AmiConsumer:
    """Applies every queued AMI event in arrival order; resyncs after each (re)connect."""

    def __init__(self, *, client: AmiClient, writer: EventWriter) -> None:
        self._client = client
        self._writer = writer
        self._task: asyncio.Task[None] | None = None
        self.consumed = 0
        client.on_connected(self._resync)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ami-consumer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            event = await self._client.events.get()
            self._writer.add(event)
            self.consumed += 1

    async def _resync(self, client: AmiClient) -> None:
        """Snapshot of every queue (QueueParams/QueueMember/QueueEntry) into the event stream."""
        try:
            response = await client.action({"Action": "QueueStatus"}, as_list=True)
        except Exception as exc:
            log.warning("QueueStatus resync failed: %s", exc)
            return
        messages = response if isinstance(response, list) else [response]
        for message in messages:
            event = message_to_dict(message)
            if event.get("Event") and event["Event"] != "QueueStatusComplete":
                with contextlib.suppress(asyncio.QueueFull):
                    client.events.put_nowait(event)
