"""`callcenter demo`: the 1212 centre at work, for `make run` and the demo's browser test.

The centre's agents (all but the ones a person uses at the desk) log in with their skills
and stay; all six queues get calls at once along a compressed day (callcenter/simulate/
day.py); agents take breaks and do after-call work (crew.py) and file cases (casework.py).
Callbacks are dialled by the service itself when it runs with
CALLCENTER_CALLBACK_OUT_CONTEXT=demo-customers (scripts/run-demo.sh sets it). Ctrl-C (or
SIGTERM) hangs up the demo's calls and logs its agents out.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from callcenter.centre import Centre
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.simulate.casework import CaseWork
from callcenter.simulate.crew import Crew, every
from callcenter.simulate.day import DaySpec, hour_of, plan_day
from callcenter.simulate.runner import TRACKED, CallState, Simulation, simulator_ami
from callcenter.simulate.spec import Distribution, RunSpec

Say = Callable[[str], None]
PATIENCE = Distribution("uniform", 8, 90)  # callers give up after 8-90 s in the queue
RING = Distribution("uniform", 1, 4)
TALK = Distribution("exp", 35)  # seconds: a demo's calls are shorter than the real ones


@dataclass(frozen=True)
class DemoOptions:
    day_s: float = 1200.0
    days: int = 0  # 0: day after day until stopped
    load: float = 1.0
    seed: int = 1
    exclude: tuple[str, ...] = ("agent01",)  # agents a person uses at the desk
    case_share: float = 0.3
    patience: Distribution = PATIENCE
    ring: Distribution = RING
    talk: Distribution = TALK
    report_s: float = 10.0


class Demo:
    """One demo run over one AMI login and one database pool."""

    def __init__(self, settings: Settings, layout: Centre, opts: DemoOptions, say: Say) -> None:
        self.opts, self.layout, self.say = opts, layout, say
        self.rng = random.Random(opts.seed)
        self.ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
        self.db = make_db_engine(settings.database_url)
        agents = [a for a in layout.agents if a.id not in opts.exclude]
        self.crew = Crew(ami=self.ami, agents=agents, rng=self.rng)
        self.cases = CaseWork(
            sessions=make_sessionmaker(self.db), rng=self.rng, share=opts.case_share
        )
        self.day = DaySpec(
            day_s=opts.day_s, agents=len(agents), queues=tuple(layout.queue_names),
            patience=opts.patience, ring=opts.ring, talk=opts.talk,
            wrapup_s=self.crew.mean_wrapup_s, load=opts.load,
        )  # fmt: skip
        self.sim: Simulation | None = None
        self.day_started = time.monotonic()

    async def run(self) -> None:
        await self.ami.start()
        try:
            await self.ami.wait_connected(10)
            await self.crew.login_all()
            await self.cases.prepare(list(self.crew.agents))
            self.say(
                f"{len(self.crew.agents)} agents logged in to {len(self.layout.queues)} queues "
                f"with their skills; a day (08:00-20:00) lasts {self.opts.day_s:g} s"
            )
            day = 0
            while self.opts.days == 0 or day < self.opts.days:
                await self._one_day(day)
                day += 1
        finally:
            await self._stop()

    async def _one_day(self, day: int) -> None:
        run_id = f"demo{day + 1}-{uuid.uuid4().hex[:6]}"
        calls = plan_day(self.day, seed=self.opts.seed * 1000 + day, run_id=run_id)
        spec = RunSpec(
            calls=len(calls), rate=None, queue=self.layout.default_queue, agents=0,
            patience=self.opts.patience, ring=self.opts.ring, talk=self.opts.talk,
            seed=self.opts.seed,
        )  # fmt: skip
        self.sim = Simulation(ami=self.ami, spec=spec, calls=calls, on_end=self._ended)
        self.day_started = time.monotonic()
        self.say(f"day {day + 1}: {len(calls)} calls planned across the six queues")
        helpers = [
            asyncio.create_task(every(2.0, self._breaks)),
            asyncio.create_task(every(self.opts.report_s, self._report)),
        ]
        try:
            await self.sim.play()
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    def _ended(self, state: CallState) -> None:
        self.crew.after_call(state.agent)
        self.cases.after_call(state)

    def _now_s(self) -> float:
        return time.monotonic() - self.day_started

    def _breaks(self) -> None:
        hour_s = self.opts.day_s / 12
        self.crew.take_breaks(hour_of(self.day, self._now_s()), (0.4 * hour_s, hour_s))

    def _report(self) -> None:
        states = self.sim.states if self.sim else []
        placed = sum(1 for s in states if s.placed)
        answered = sum(1 for s in states if s.answered)
        lost = sum(1 for s in states if s.left_unanswered)
        live = sum(1 for s in states if s.placed and not s.ended)
        hour = hour_of(self.day, self._now_s())
        reasons = sorted(self.crew.paused.values())
        self.say(
            f"{int(hour):02d}:{int(hour % 1 * 60):02d}  calls {placed} (in progress {live}, "
            f"answered {answered}, abandoned {lost})  paused {len(reasons)}"
            f" [{', '.join(reasons) or '-'}]  cases filed {self.cases.filed}"
        )

    async def _stop(self) -> None:
        """Hang up the demo's calls, log its agents out, close the connections."""
        try:
            if self.sim is not None and self.ami.connected:
                await self.sim.hang_up_all()
            if self.ami.connected:
                await self.crew.logout_all()
                self.say("demo stopped: its calls hung up, its agents logged out")
        finally:
            await self.ami.stop()
            await self.db.dispose()


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


async def run_demo(settings: Settings, layout: Centre, opts: DemoOptions, say: Say) -> None:
    """Run until the days are played or SIGINT/SIGTERM/SIGHUP (its terminal closed); always
    clean up: its calls hung up, its agents logged out."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        for stop in STOP_SIGNALS:
            loop.add_signal_handler(stop, task.cancel)
    try:
        await Demo(settings, layout, opts, say).run()
    except asyncio.CancelledError:
        pass
    finally:
        for stop in STOP_SIGNALS:
            loop.remove_signal_handler(stop)
