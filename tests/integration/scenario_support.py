"""A service instance and simulated-caller runs shared by the scenario tests."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.simulate.runner import Simulation
from callcenter.simulate.spec import Distribution, RunSpec, plan
from tests.helpers import poll


class Service:
    """One running instance of the service (lifespan entered), stoppable mid-scenario."""

    def __init__(self, settings: Settings) -> None:
        self.app: FastAPI = create_app(settings)
        self._cm: Any = None

    async def start(self) -> Service:
        self._cm = self.app.router.lifespan_context(self.app)
        await self._cm.__aenter__()
        await poll(
            lambda: self.app.state.services.ami.connected, timeout_s=20, what="AMI connected"
        )
        return self

    async def stop(self) -> None:
        await self._cm.__aexit__(None, None, None)


def spec(queue: str, calls: int, agents: int, **kw: Any) -> RunSpec:
    dist = {k: Distribution.parse(str(kw.pop(k)), name=k) for k in ("patience", "ring", "talk")}
    rate, seed = kw.pop("rate", None), kw.pop("seed", 1)
    return RunSpec(calls=calls, rate=rate, queue=queue, agents=agents, seed=seed, **dist, **kw)


async def run(ami: AmiClient, run_spec: RunSpec, *, paused: int = 0) -> Simulation:
    sim = Simulation(
        ami=ami, spec=run_spec, calls=plan(run_spec, run_id=f"k{uuid.uuid4().hex[:6]}")
    )
    await sim.run(paused=paused)
    await sim.agents.logout_all()
    assert all(s.placed and s.ended for s in sim.states), [s.as_dict() for s in sim.states]
    return sim
