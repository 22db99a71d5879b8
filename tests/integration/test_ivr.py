"""A caller dials 1212, the service's Stasis IVR takes the digit and puts them in that queue."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from callcenter import centre
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.runner import Simulation, network_id
from callcenter.simulate.spec import Distribution, RunSpec, plan
from tests.helpers import poll

pytestmark = pytest.mark.integration


async def test_digit_routes_the_caller_to_its_service_queue(
    app: FastAPI, sim_ami: AmiClient, settings: Settings
) -> None:
    await poll(lambda: app.state.services.ari.connected, timeout_s=20, what="ARI app registered")
    layout = centre.load(settings.conf_dir)
    spec = RunSpec(
        calls=1,
        rate=None,
        queue="digital-platforms",
        agents=1,
        patience=Distribution.parse("20", name="patience"),
        ring=Distribution.parse("0", name="ring"),
        talk=Distribution.parse("1", name="talk"),
        seed=4,
        entry="ivr",
    )
    calls = plan(spec, run_id=f"ivr-{uuid.uuid4().hex[:8]}")
    sim = Simulation(ami=sim_ami, spec=spec, calls=calls, ivr_digits=layout.ivr_digits())
    await sim.run()
    await sim.agents.logout_all()
    (state,) = sim.states
    assert state.entered and state.answered, state.as_dict()

    async def joined_queue() -> str | None:
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT queue FROM ami_events WHERE event = 'QueueCallerJoin' "
                    "AND headers->>'Uniqueid' = :u"
                ),
                {"u": network_id(state.plan.call_id)},
            )
            found = row.scalar()
            return str(found) if found else None

    assert (
        await poll(joined_queue, timeout_s=10, what="QueueCallerJoin stored") == "digital-platforms"
    )
