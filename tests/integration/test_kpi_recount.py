"""Scenarios through the real Asterisk: the service's kpi-v1.1 equals a recount of queue_log.

The recount (callcenter/reconcile/recount.py) is a separate implementation that reads
only Asterisk's queue_log file; the service's figures come from AMI events through the
engine in queue_metrics. Counts must be equal, percentages and means within 0.1.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.runner import Simulation
from callcenter.simulate.spec import plan
from tests.helpers import poll
from tests.integration.conftest import own_database
from tests.integration.kpi_support import kpi_cli, settle, window
from tests.integration.scenario_support import Service, run, spec

pytestmark = pytest.mark.integration


@pytest.fixture
async def fresh(settings: Settings) -> AsyncIterator[Settings]:
    """A database of its own, so only this test's service instance writes into it."""
    with own_database(settings, "callcenter_kpi") as own:
        yield own


async def ami_only(app: FastAPI, start: float, end: float) -> int:
    """Calls the reconciler had to take from queue_log in the period (0: AMI saw them all)."""
    async with app.state.services.db_engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM queue_calls WHERE source = 'queue_log' "
                "AND entered_at >= to_timestamp(:a) AND entered_at < to_timestamp(:b)"
            ),
            {"a": start, "b": end},
        )
        return int(found.scalar() or 0)


async def test_light_load(fresh: Settings, sim_ami: AmiClient) -> None:
    service = await Service(fresh).start()
    try:
        start = window()
        await run(sim_ami, spec("online-shopping", 6, 3, rate=2.0, patience=30, ring=1, talk=2))
        end = window() + 1
        await settle(service.app, fresh, start, end, "online-shopping")
        assert kpi_cli(fresh, start, end, "online-shopping")["answered"] == 6
        assert await ami_only(service.app, start, end) == 0
    finally:
        await service.stop()


async def test_overload_with_abandons_and_timeouts(fresh: Settings, sim_ami: AmiClient) -> None:
    service = await Service(fresh).start()
    try:
        start = window()
        overload = spec(
            "illegal-websites", 10, 1, rate=None, patience="uniform:1-9", ring=1, talk=3,
            queue_timeout_s=6, seed=7,
        )  # fmt: skip
        await run(sim_ami, overload)
        end = window() + 1
        await settle(service.app, fresh, start, end, "illegal-websites")
        figures = kpi_cli(fresh, start, end, "illegal-websites")
        assert figures["abandoned"] > 0 and figures["timeout"] > 0, figures
        assert await ami_only(service.app, start, end) == 0
    finally:
        await service.stop()


async def test_paused_agents_and_a_queue_without_agents(
    fresh: Settings, sim_ami: AmiClient
) -> None:
    service = await Service(fresh).start()
    try:
        start = window()
        await run(sim_ami, spec("cyber-threats", 3, 2, patience=3, ring=1, talk=2), paused=2)
        await run(sim_ami, spec("digital-law", 2, 0, patience=10, ring=1, talk=2))
        end = window() + 1
        await settle(service.app, fresh, start, end, "cyber-threats")
        await settle(service.app, fresh, start, end, "digital-law")
        assert kpi_cli(fresh, start, end, "cyber-threats")["abandoned"] == 3
        assert kpi_cli(fresh, start, end, "digital-law")["no_agents"] == 2
        assert await ami_only(service.app, start, end) == 0
    finally:
        await service.stop()


async def test_lost_ami_socket_mid_scenario_is_completed(
    fresh: Settings, sim_ami: AmiClient
) -> None:
    service = await Service(fresh).start()
    ami = service.app.state.services.ami
    try:
        start = window()
        sim = Simulation(
            ami=sim_ami,
            spec=(s := spec("digital-platforms", 8, 2, rate=1.0, patience=30, ring=1, talk=2)),
            calls=plan(s, run_id=f"k{uuid.uuid4().hex[:6]}"),
        )
        running = asyncio.create_task(sim.run())
        await poll(lambda: sum(st.entered for st in sim.states) >= 3, timeout_s=20, what="3 in")
        connections = ami.connections
        ami._session.protocol.transport.abort()  # the socket dies under the service
        await poll(lambda: ami.connections > connections, timeout_s=20, what="AMI reconnected")
        await running
        await sim.agents.logout_all()
        end = window() + 1
        await settle(service.app, fresh, start, end, "digital-platforms")
    finally:
        await service.stop()


async def test_service_stopped_mid_scenario_is_completed(
    fresh: Settings, sim_ami: AmiClient
) -> None:
    service = await Service(fresh).start()
    start = window()
    s = spec("online-shopping", 8, 2, rate=1.0, patience=30, ring=1, talk=2, seed=3)
    sim = Simulation(ami=sim_ami, spec=s, calls=plan(s, run_id=f"k{uuid.uuid4().hex[:6]}"))
    running = asyncio.create_task(sim.run())
    try:
        await poll(lambda: sum(st.entered for st in sim.states) >= 3, timeout_s=20, what="3 in")
        await service.stop()
        # Calls enter, are answered and end while the service is down: only queue_log saw them.
        await poll(lambda: sum(st.ended for st in sim.states) >= 4, timeout_s=30, what="4 ended")
    finally:
        service = await Service(fresh).start()
    try:
        await running
        await sim.agents.logout_all()
        end = window() + 1
        await settle(service.app, fresh, start, end, "online-shopping")
        assert await ami_only(service.app, start, end) > 0  # the gap came from queue_log
    finally:
        await service.stop()
