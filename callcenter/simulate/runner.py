"""Places the planned calls through the real Asterisk and follows each one to its end."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.agents import SimAgents
from callcenter.simulate.spec import PlannedCall, RunSpec, patience_ticks

TRACKED = frozenset(
    {"QueueCallerJoin", "AgentConnect", "QueueCallerAbandon", "QueueCallerLeave", "Hangup"}
)
END_MARGIN_S = 60.0


@dataclass
class CallState:
    plan: PlannedCall
    placed: bool = False
    entered: bool = False
    answered: bool = False
    left_unanswered: bool = False
    ended: bool = False
    forced: bool = False
    failed: str | None = None
    hold_time_s: int | None = None
    channel: str | None = None
    agent: str | None = None  # the member name that answered
    linkedid: str | None = None
    events: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.failed:
            return "failed"
        if self.answered:
            return "answered"
        if self.left_unanswered:
            return "unanswered"
        return "ended" if self.ended else "unknown"

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.plan.as_dict(),
            "channel_uniqueid": self.plan.call_id,
            "entered_queue": self.entered,
            "outcome": self.outcome,
            "hold_time_s": self.hold_time_s,
            "forced_hangup": self.forced,
            "error": self.failed,
        }


Progress = Callable[[int, int], None]
OnEnd = Callable[[CallState], None]


class Simulation:
    """One run: agents ready, calls placed on schedule, every call followed to hang-up."""

    def __init__(
        self,
        *,
        ami: AmiClient,
        spec: RunSpec,
        calls: list[PlannedCall],
        ivr_digits: dict[str, str] | None = None,
        on_end: OnEnd | None = None,
        variables: Sequence[str] = (),
    ) -> None:
        self._ami = ami
        self._on_end = on_end  # each call once it hung up (the demo's agents act on it)
        self._variables = list(variables)  # more channel variables for every call (benchmarks)
        self._spec = spec
        self._digit_of = {queue: digit for digit, queue in (ivr_digits or {}).items()}
        self._calls = {c.call_id: CallState(plan=c) for c in calls}
        self._by_network_id = {network_id(c.call_id): c.call_id for c in calls}
        self.agents = SimAgents(ami=ami, queue=spec.queue)

    @property
    def states(self) -> list[CallState]:
        return list(self._calls.values())

    async def run(self, *, on_progress: Progress | None = None, paused: int = 0) -> None:
        await self.agents.ensure(self._spec.agents)
        for n in range(1, min(paused, self._spec.agents) + 1):
            await self.agents.pause(n, reason="break")
        await self.play(on_progress=on_progress)

    async def play(self, *, on_progress: Progress | None = None) -> None:
        """Place every call on schedule and follow each to its end (agents are the caller's)."""
        follower = asyncio.create_task(self._follow(on_progress))
        try:
            await self._place_all()
            await self._wait_for_ends(on_progress)
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def _place_all(self) -> None:
        start = time.monotonic()
        tasks = []
        for state in self._calls.values():
            delay = state.plan.at_s - (time.monotonic() - start)
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._originate(state)))
        await asyncio.gather(*tasks)

    async def _originate(self, state: CallState) -> None:
        call, spec = state.plan, self._spec
        variables = [
            f"__SIM_CALLER={call.caller}",
            f"SIM_TICKS={patience_ticks(call.patience_s)}",
            f"__RING={call.ring_s}",
            f"__TALK={call.talk_s}",
            *self._variables,
        ]
        if spec.queue_timeout_s is not None:
            variables.append(f"__QUEUE_TIMEOUT={spec.queue_timeout_s}")
        target = call.queue
        if spec.entry == "ivr":
            target = "ivr"
            variables.append(f"SIM_DIGIT={self._digit_of.get(call.queue, '0')}")
        try:
            response = await self._ami.action(
                {
                    "Action": "Originate",
                    "Channel": f"Local/{target}@callers",
                    "Context": "callerphone",
                    "Exten": "s",
                    "Priority": "1",
                    "ChannelId": call.call_id,
                    "OtherChannelId": network_id(call.call_id),
                    "CallerID": f'"{call.caller}" <{call.caller}>',
                    "Timeout": "30000",
                    "Async": "true",
                    "Variable": variables,
                },
                as_list=True,
            )
        except Exception as exc:
            state.failed = f"originate: {exc!r}"  # a TimeoutError says nothing as str
            return
        last = response[-1] if isinstance(response, list) else response
        if last.get("Response") not in (None, "Success"):
            state.failed = f"originate: {last.get('Reason') or last.get('Message')}"
            return
        state.placed = True

    async def _follow(self, on_progress: Progress | None) -> None:
        while True:
            event = await self._ami.events.get()
            self._apply(event)
            if on_progress is not None:
                on_progress(self._placed_count(), self._ended_count())

    def _apply(self, event: dict[str, str]) -> None:
        name, uid = event.get("Event", ""), event.get("Uniqueid", "")
        if name == "Hangup" and uid in self._calls:
            ended = self._calls[uid]
            if not ended.ended:
                ended.ended = True
                if self._on_end is not None:
                    self._on_end(ended)
            return
        call_id = self._by_network_id.get(uid)
        if call_id is None:
            return
        state = self._calls[call_id]
        state.events.append(name)
        if name == "QueueCallerJoin":
            state.entered = True
            state.channel = event.get("Channel")
        elif name == "AgentConnect":
            state.answered = True
            state.hold_time_s = _int(event.get("HoldTime"))
            state.agent = event.get("MemberName") or None
            state.linkedid = event.get("Linkedid") or None
        elif name == "QueueCallerAbandon" and not state.answered:
            state.left_unanswered = True
            state.hold_time_s = _int(event.get("HoldTime"))

    async def _wait_for_ends(self, on_progress: Progress | None) -> None:
        deadline = time.monotonic() + self._longest_call_s() + END_MARGIN_S
        while not all(s.ended or s.failed for s in self._calls.values()):
            if time.monotonic() > deadline:
                await self._force_hangups()
                break
            await asyncio.sleep(0.1)
        if on_progress is not None:
            on_progress(self._placed_count(), self._ended_count())

    async def hang_up_all(self) -> None:
        """Hang up every call still up (the demo stops)."""
        await self._force_hangups()

    async def _force_hangups(self) -> None:
        for state in self._calls.values():
            if not (state.ended or state.failed):
                state.forced = True
                if state.channel:
                    with contextlib.suppress(Exception):
                        await self._ami.action({"Action": "Hangup", "Channel": state.channel})

    def _longest_call_s(self) -> float:
        queue_limit = self._spec.queue_timeout_s or 300
        worst = max(
            (min(c.plan.patience_s, queue_limit) + c.plan.ring_s + c.plan.talk_s + c.plan.at_s)
            for c in self._calls.values()
        )
        return worst

    def _placed_count(self) -> int:
        return sum(1 for s in self._calls.values() if s.placed or s.failed)

    def _ended_count(self) -> int:
        return sum(1 for s in self._calls.values() if s.ended or s.failed)


def simulator_ami(settings: Settings, *, event_filter: Callable[[str], bool]) -> AmiClient:
    """The simulator's own AMI login (least rights: originate, agent, call)."""
    return AmiClient(
        host=settings.ami_host,
        port=settings.ami_port,
        username=settings.ami_sim_user,
        secret=settings.ami_sim_secret.get_secret_value(),
        event_filter=event_filter,
    )


def network_id(call_id: str) -> str:
    """Uniqueid of the network half of the caller's Local channel (the one in the queue)."""
    return f"{call_id}-net"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
