"""The 1212 IVR as a Stasis app: prompt, one digit, continue into the chosen service queue.

A handler never leaves a channel stuck: on any failure the channel continues in
the dialplan IVR (`ivr,s,1`), which works without the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import httpx

from ari_app.client import AriClient, AriEvent

log = logging.getLogger(__name__)

IVR_ARG = "ivr"
QUEUE_CONTEXT = "queue-entry"
FALLBACK = ("ivr", "s")


class Ivr:
    """One digit picks the service line; silence picks the default queue."""

    def __init__(
        self,
        *,
        ari: AriClient,
        digits: dict[str, str],
        default_queue: str,
        prompt: str = "sound:demo-instruct",
        digit_timeout_s: float = 5.0,
    ) -> None:
        self._ari = ari
        self._digits = digits
        self._default = default_queue
        self._prompt = prompt
        self._timeout = digit_timeout_s
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._playbacks: dict[str, str] = {}
        self._handlers: dict[str, Callable[[AriEvent], Awaitable[None]]] = {
            "StasisStart": self._on_start,
            "ChannelDtmfReceived": self._on_dtmf,
            "StasisEnd": self._on_end,
        }

    @property
    def waiting(self) -> int:
        """Callers in the IVR now."""
        return len(self._timers)

    async def handle(self, event: AriEvent) -> None:
        handler = self._handlers.get(str(event.get("type")))
        if handler is not None:
            await handler(event)

    async def _on_start(self, event: AriEvent) -> None:
        if event.get("args") != [IVR_ARG]:
            return
        channel_id = event["channel"]["id"]
        self._timers[channel_id] = asyncio.create_task(self._timeout_to_default(channel_id))
        try:
            playback = await self._ari.request(
                "POST", f"/channels/{channel_id}/play", media=self._prompt
            )
            self._playbacks[channel_id] = playback["id"]
        except httpx.HTTPError as exc:
            log.warning("IVR prompt failed on %s: %r", channel_id, exc)

    async def _on_dtmf(self, event: AriEvent) -> None:
        channel_id = event["channel"]["id"]
        queue = self._digits.get(str(event.get("digit")))
        if channel_id in self._timers and queue is not None:
            await self._route(channel_id, queue)

    async def _on_end(self, event: AriEvent) -> None:
        timer = self._timers.pop(event["channel"]["id"], None)
        self._playbacks.pop(event["channel"]["id"], None)
        if timer is not None:
            timer.cancel()

    async def _timeout_to_default(self, channel_id: str) -> None:
        await asyncio.sleep(self._timeout)
        self._timers.pop(channel_id, None)
        await self._route(channel_id, self._default, from_timer=True)

    async def _route(self, channel_id: str, queue: str, *, from_timer: bool = False) -> None:
        timer = self._timers.pop(channel_id, None)
        if timer is not None and not from_timer:
            timer.cancel()
        # Channel commands wait behind a running playback: stop the prompt first.
        playback = self._playbacks.pop(channel_id, None)
        if playback is not None:
            with contextlib.suppress(httpx.HTTPError):
                await self._ari.request("DELETE", f"/playbacks/{playback}")
        try:
            await self._continue(channel_id, QUEUE_CONTEXT, queue)
        except httpx.HTTPError as exc:
            log.warning("IVR continue to %s failed on %s: %r", queue, channel_id, exc)
            with contextlib.suppress(httpx.HTTPError):
                await self._continue(channel_id, *FALLBACK[:2])

    async def _continue(self, channel_id: str, context: str, extension: str) -> None:
        await self._ari.request(
            "POST",
            f"/channels/{channel_id}/continue",
            context=context,
            extension=extension,
            priority=1,
        )
