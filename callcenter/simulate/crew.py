"""The demo's agents: the centre's agents (centre.toml) as simulated queue members.

Each logs in to the queues of its skills with their penalties (MemberName = its agent id,
so the wallboard shows the centre's names) and stays logged in for the whole demo. Some go
to after-call work after a call, some take breaks with reason codes (more at lunch); a
pause covers every queue of the agent, as the desk's does.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from callcenter.ami.client import AmiActionFailed, AmiClient
from callcenter.centre import AgentDef

log = logging.getLogger(__name__)

FIRST_EXTEN = 7100  # Local/71NN@agents/n: apart from `callcenter simulate`'s 70NN
BREAK_REASONS = ("break", "meal", "training", "meeting", "coaching")
WRAPUP_REASON = "after_call_work"  # a code of the desk's pause reasons


def interfaces(agents: list[AgentDef]) -> dict[str, str]:
    """Agent id → its simulated phone, numbered by the agent's place in centre.toml."""
    return {a.id: f"Local/{FIRST_EXTEN + n}@agents/n" for n, a in enumerate(agents, start=1)}


def break_share(hour: float) -> float:
    """Share of the agents on a break at that hour of the centre's day (lunch: more)."""
    return 0.2 if 12 <= hour < 13.5 else 0.08


class Crew:
    """Logs the agents in and out; pauses them for breaks and after-call work."""

    def __init__(
        self,
        *,
        ami: AmiClient,
        agents: list[AgentDef],
        rng: random.Random,
        wrapup_share: float = 0.3,
        wrapup_s: tuple[float, float] = (5.0, 15.0),
    ) -> None:
        self._ami, self._rng = ami, rng
        self.agents = {a.id: a for a in agents}
        self.phones = interfaces(agents)
        self._wrapup_share, self._wrapup_s = wrapup_share, wrapup_s
        self.paused: dict[str, str] = {}  # agent id → reason, while we hold it paused
        self._timers: set[asyncio.Task[None]] = set()

    @property
    def mean_wrapup_s(self) -> float:
        """After-call work per call on average (the day's plan counts it in the capacity)."""
        return self._wrapup_share * sum(self._wrapup_s) / 2

    async def login_all(self) -> None:
        for agent in self.agents.values():
            for queue, penalty in agent.skills.items():
                await self._send(
                    {
                        "Action": "QueueAdd", "Queue": queue,
                        "Interface": self.phones[agent.id], "MemberName": agent.id,
                        "Penalty": str(penalty), "Paused": "false",
                    },
                    tolerate="already",
                )  # fmt: skip

    async def logout_all(self) -> None:
        for task in list(self._timers):
            task.cancel()
        for agent in self.agents.values():
            for queue in agent.skills:
                action = {"Action": "QueueRemove", "Queue": queue}
                await self._send({**action, "Interface": self.phones[agent.id]}, tolerate="not")
        self.paused.clear()

    def after_call(self, agent_id: str | None) -> None:
        """A call of this agent ended: some calls need after-call work (a timed pause)."""
        if agent_id not in self.agents or agent_id in self.paused:
            return
        if self._rng.random() < self._wrapup_share:
            self._pause_for(agent_id, WRAPUP_REASON, self._rng.uniform(*self._wrapup_s))

    def take_breaks(self, hour: float, length_s: tuple[float, float]) -> None:
        """Send agents on a break until the hour's share of them is away."""
        on_break = sum(1 for r in self.paused.values() if r != WRAPUP_REASON)
        wanted = round(len(self.agents) * break_share(hour)) - on_break
        free = [a for a in self.agents if a not in self.paused]
        for agent_id in self._rng.sample(free, k=max(0, min(wanted, len(free)))):
            reason = "meal" if 12 <= hour < 13.5 else self._rng.choice(BREAK_REASONS)
            self._pause_for(agent_id, reason, self._rng.uniform(*length_s))

    def _pause_for(self, agent_id: str, reason: str, seconds: float) -> None:
        self.paused[agent_id] = reason
        task = asyncio.create_task(self._paused_for(agent_id, reason, seconds))
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def _paused_for(self, agent_id: str, reason: str, seconds: float) -> None:
        phone = self.phones[agent_id]
        try:
            await self._send({"Action": "QueuePause", "Interface": phone, "Paused": "true",
                              "Reason": reason})  # fmt: skip
            await asyncio.sleep(seconds)
            await self._send({"Action": "QueuePause", "Interface": phone, "Paused": "false"})
        finally:
            self.paused.pop(agent_id, None)

    async def _send(self, action: dict[str, str], *, tolerate: str = "") -> None:
        try:
            await self._ami.action(action)
        except AmiActionFailed as exc:
            if not tolerate or tolerate not in str(exc).lower():
                log.warning("%s %s refused: %s", action["Action"], action.get("Interface"), exc)


async def every(seconds: float, step: Callable[[], None]) -> None:
    """Call `step` every so often until cancelled."""
    while True:
        try:
            step()
        except Exception:  # one bad round must not stop the demo's agents
            log.exception("demo step failed")
        await asyncio.sleep(seconds)
