"""The 1212 IVR as a Stasis app: welcome, language, menu from `ivr.toml`, then the queue.

The menu walk itself is `ari_app.menu.MenuWalk` (no I/O); here its steps are played and acted
on. The caller's language goes with the channel as CC_LANG (inherited by the agent's leg), so
queue prompts and the agent's screen can use it.

A handler never leaves a channel stuck: on any failure the channel continues in
the dialplan IVR (`ivr,s,1`), which works without the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from ari_app.client import REGISTERED, AriClient, AriEvent
from ari_app.menu import (
    CallerPath,
    Hangup,
    Listen,
    Lookup,
    MenuWalk,
    Play,
    PromptFiles,
    Route,
    Step,
)
from callcenter.ivrconf import IvrConfig

log = logging.getLogger(__name__)

IVR_ARG = "ivr"
QUEUE_CONTEXT = "queue-entry"
FALLBACK = ("ivr", "s")
LANGUAGE_VAR = "__CC_LANG"  # inherited by the channels the caller's channel creates
# The Stasis app whose menu the caller went through: a service acts on the caller's keys in
# the queue (the callback offer) only for its own menu's callers (manager.conf channelvars).
IVR_APP_VAR = "CC_IVR_APP"
CSAT_VAR = "CC_CSAT"  # 1: the caller stays on after the agent hangs up to rate the call
PLAYBACK_GRACE_S = 60.0  # a prompt whose end never came: the timer runs anyway
# The caller's path as Asterisk's CEL records it (cel.conf): the independent recount's source.
USERFIELD_VAR = "CHANNEL(userfield)"
WATCHDOG_VAR = "TIMEOUT(absolute)"  # see Ivr._watch; queue-entry clears it


@dataclass(frozen=True)
class IvrExit:
    """One caller leaving the IVR (routed, hung up, closed), as the service stores it."""

    call_id: str  # the caller's channel (Uniqueid): the queue call's call_id
    linkedid: str
    caller: str
    started_at: datetime
    ended_at: datetime
    path: CallerPath


CaseStatus = Callable[[str], Awaitable[str | None]]  # case number keyed → its status, or None


async def _no_cases(_: str) -> str | None:
    return None


@dataclass
class _Caller:
    walk: MenuWalk
    started_at: datetime
    caller: str = ""
    linkedid: str = ""
    wait_s: float = 0.0  # after the last prompt of the current step, how long to wait
    marked: str = ""  # the userfield last written on the channel
    playbacks: list[str] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None
    # A key and the timer may act at once: one step at a time, each on the state the last left.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Ivr:
    """One caller per channel in the menu; keys and time-outs drive `MenuWalk`."""

    def __init__(
        self,
        *,
        ari: AriClient,
        config: IvrConfig,
        prompts: PromptFiles,
        announcement: Callable[[], str | None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        case_status: CaseStatus = _no_cases,
        on_leave: Callable[[IvrExit], None] = lambda _: None,
    ) -> None:
        self._case_status = case_status  # the case-status sub-menu's look-up (read-only)
        self._on_leave = on_leave  # stores the caller's path (callcenter.ivrcalls)
        self._clock = clock  # opening hours are read against it
        self._ari = ari
        self._config = config
        self._announcement = announcement  # the emergency announcement on now, if any
        self._prompts = prompts
        self._callers: dict[str, _Caller] = {}
        self.rescued_total = 0  # callers taken over from a previous run of the app
        self._playback_channel: dict[str, str] = {}
        self._handlers: dict[str, Callable[[AriEvent], Awaitable[None]]] = {
            "StasisStart": self._on_start,
            "ChannelDtmfReceived": self._on_dtmf,
            "PlaybackFinished": self._on_playback_finished,
            "StasisEnd": self._on_end,
            REGISTERED: self._on_registered,
        }

    @property
    def config(self) -> IvrConfig:
        return self._config

    @property
    def waiting(self) -> int:
        """Callers in the IVR now."""
        return len(self._callers)

    async def handle(self, event: AriEvent) -> None:
        handler = self._handlers.get(str(event.get("type")))
        if handler is not None:
            await handler(event)

    async def _on_start(self, event: AriEvent) -> None:
        if event.get("args") != [IVR_ARG]:
            return
        channel = event["channel"]
        channel_id = channel["id"]
        now = self._clock()
        caller = self._callers[channel_id] = _Caller(
            walk=MenuWalk(self._config), started_at=now, linkedid=channel_id,
            caller=str(channel.get("caller", {}).get("number", ""))[:64],
        )  # fmt: skip
        async with caller.lock:
            await self._perform(
                channel_id, caller, caller.walk.start(self._announcement(), now=now)
            )

    async def _on_registered(self, event: AriEvent) -> None:
        """The app (re)registered: callers Asterisk kept in it while the service was away
        (killed mid-menu: Asterisk holds them, silent) go on in the dialplan IVR."""
        try:
            app = await self._ari.request("GET", f"/applications/{event['application']}")
        except httpx.HTTPError as exc:
            log.warning("IVR: cannot list the app's channels: %r", exc)
            return
        orphans = [c for c in app.get("channel_ids", []) if c not in self._callers]
        for channel_id in orphans:
            log.warning("IVR: %s was left in the app while the service was away", channel_id)
            with contextlib.suppress(httpx.HTTPError):  # gone meanwhile
                await self._continue(channel_id, *FALLBACK[:2])
        self.rescued_total += len(orphans)

    async def _on_dtmf(self, event: AriEvent) -> None:
        channel_id = event["channel"]["id"]
        caller = self._callers.get(channel_id)
        if caller is None:
            return
        async with caller.lock:
            step = caller.walk.key(str(event.get("digit")))
            if step is not None:
                await self._perform(channel_id, caller, step)

    async def _on_playback_finished(self, event: AriEvent) -> None:
        playback_id = event["playback"]["id"]
        channel_id = self._playback_channel.pop(playback_id, None)
        caller = self._callers.get(channel_id) if channel_id else None
        if caller is None or channel_id is None:
            return
        async with caller.lock:  # a step still queueing its prompts has them all listed after
            if playback_id not in caller.playbacks:
                return
            last = caller.playbacks[-1] == playback_id
            caller.playbacks.remove(playback_id)
            if last and not caller.walk.done:
                self._arm(channel_id, caller, caller.wait_s)

    async def _on_end(self, event: AriEvent) -> None:
        channel_id = event["channel"]["id"]
        caller = self._callers.pop(channel_id, None)
        if caller is None:
            return
        if caller.timer is not None:
            caller.timer.cancel()
        for playback_id in caller.playbacks:
            self._playback_channel.pop(playback_id, None)
        left = IvrExit(
            call_id=channel_id, linkedid=caller.linkedid or channel_id, caller=caller.caller,
            started_at=caller.started_at, ended_at=self._clock(),
            path=caller.walk.path(hung_up=True),
        )  # fmt: skip
        try:
            self._on_leave(left)
        except Exception:  # storing is the recorder's business; the IVR goes on
            log.exception("IVR: recording the path of %s failed", channel_id)

    def _arm(self, channel_id: str, caller: _Caller, delay_s: float) -> None:
        if caller.timer is not None:
            caller.timer.cancel()
        caller.timer = asyncio.create_task(self._time_out(channel_id, delay_s))

    async def _time_out(self, channel_id: str, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        caller = self._callers.get(channel_id)
        if caller is None:
            return
        async with caller.lock:
            if caller.timer is not asyncio.current_task():
                return  # a key came first and made a new step (and timer)
            caller.timer = None
            step = caller.walk.timeout()
            if step is not None:
                await self._perform(channel_id, caller, step)

    async def _perform(self, channel_id: str, caller: _Caller, step: Step) -> None:
        """Under caller.lock."""
        if caller.timer is not None and caller.timer is not asyncio.current_task():
            caller.timer.cancel()
        caller.timer = None
        await self._stop_prompts(caller)
        if isinstance(step, Lookup):
            step = await self._look_up(caller, step)
        # Channel requests wait while a prompt plays (Asterisk runs them between playbacks): each
        # is made here, prompts stopped, before the next ones start, never during them. Asked
        # during the welcome, a caller's key waited for the whole menu to be said (the
        # benchmark's callers hung up first: 90 of 200 never reached a queue).
        if isinstance(step, Route):
            await self._mark(channel_id, caller)
            await self._learn_linkedid(channel_id, caller)
            await self._route(channel_id, step)
        elif isinstance(step, Hangup):
            await self._mark(channel_id, caller)
            with contextlib.suppress(httpx.HTTPError):  # gone already: nothing to end
                await self._ari.request("DELETE", f"/channels/{channel_id}")
        elif isinstance(step, Listen):
            await self._watch(channel_id)
            caller.wait_s = step.timeout_s
            self._arm(channel_id, caller, step.timeout_s)
        elif isinstance(step, Play):
            await self._watch(channel_id)
            await self._mark(channel_id, caller)
            await self._play(channel_id, caller, step)

    async def _watch(self, channel_id: str) -> None:
        """Renew the watchdog: if this service goes quiet (killed, hung) for `watchdog_s`, the
        channel's absolute timeout takes the caller out of the app to the dialplan IVR
        (extensions.conf [inbound] T), instead of holding them in silence until it is back."""
        with contextlib.suppress(httpx.HTTPError):  # gone: nothing to watch
            await self._ari.request(
                "POST", f"/channels/{channel_id}/variable", variable=WATCHDOG_VAR,
                value=f"{self._config.watchdog_s:g}",
            )  # fmt: skip

    async def _learn_linkedid(self, channel_id: str, caller: _Caller) -> None:
        """The call's Linkedid, which joins the path to its queue calls: a carrier's caller
        is the call's first channel, so its own id until Asterisk says otherwise."""
        with contextlib.suppress(httpx.HTTPError):  # gone already: StasisEnd tells
            found = await self._ari.request(
                "GET", f"/channels/{channel_id}/variable", variable="CHANNEL(linkedid)"
            )
            caller.linkedid = str(found.get("value") or channel_id)[:64]

    async def _look_up(self, caller: _Caller, step: Lookup) -> Step:
        """The case-status sub-menu's look-up; what the walk does with its answer."""
        try:
            status = await self._case_status(step.number)
        except Exception:  # the caller is not left waiting: an agent can help
            log.exception("IVR: looking up a case failed")
            return caller.walk.lookup_failed()
        return caller.walk.found(status)

    async def _mark(self, channel_id: str, caller: _Caller) -> None:
        """The caller's path on the channel (CHANNEL(userfield)): CEL's record of it."""
        mark = caller.walk.userfield()
        if mark == caller.marked:
            return
        try:
            await self._ari.request(
                "POST", f"/channels/{channel_id}/variable", variable=USERFIELD_VAR, value=mark
            )
            caller.marked = mark
        except httpx.HTTPError as exc:  # gone: CEL keeps the last mark
            log.debug("IVR: marking %s failed: %r", channel_id, exc)

    async def _play(self, channel_id: str, caller: _Caller, step: Play) -> None:
        # Queued playbacks play one after another; the timer starts when the last one ends.
        caller.wait_s = step.timeout_s
        self._arm(channel_id, caller, step.timeout_s + PLAYBACK_GRACE_S)
        for prompt in step.prompts:
            playback_id = uuid.uuid4().hex
            caller.playbacks.append(playback_id)
            self._playback_channel[playback_id] = channel_id
            try:
                await self._ari.request(
                    "POST",
                    f"/channels/{channel_id}/play/{playback_id}",
                    media=self._prompts.media(prompt, step.language),
                )
            except httpx.HTTPError as exc:
                log.warning("IVR prompt %s failed on %s: %r", prompt, channel_id, exc)
                caller.playbacks.remove(playback_id)
                self._playback_channel.pop(playback_id, None)
        if not caller.playbacks:
            self._arm(channel_id, caller, step.timeout_s)

    async def _stop_prompts(self, caller: _Caller) -> None:
        # Channel commands wait behind a running playback: stop the prompts first.
        pending, caller.playbacks = caller.playbacks, []
        for playback_id in pending:
            self._playback_channel.pop(playback_id, None)
            with contextlib.suppress(httpx.HTTPError):
                await self._ari.request("DELETE", f"/playbacks/{playback_id}")

    async def _route(self, channel_id: str, step: Route) -> None:
        if step.fallback:
            log.info("IVR: no choice on %s after the tries: %s", channel_id, step.queue)
        try:
            await self._ari.request(
                "POST",
                f"/channels/{channel_id}/variable",
                variable=LANGUAGE_VAR,
                value=step.language,
            )
            app = getattr(self._ari, "app", "")  # the Stasis app this menu runs in
            if app:
                await self._ari.request(
                    "POST", f"/channels/{channel_id}/variable", variable=IVR_APP_VAR, value=app
                )
            if self._config.in_queue(step.queue).csat:
                await self._ari.request(
                    "POST", f"/channels/{channel_id}/variable", variable=CSAT_VAR, value="1"
                )
            await self._continue(channel_id, QUEUE_CONTEXT, step.queue)
        except httpx.HTTPError as exc:
            log.warning("IVR continue to %s failed on %s: %r", step.queue, channel_id, exc)
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
