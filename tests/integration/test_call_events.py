"""Real calls through the real Asterisk leave their AMI events in PostgreSQL and in queue_log."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from callcenter.ami.client import AmiClient
from callcenter.simulate.runner import Simulation, network_id
from callcenter.simulate.spec import Distribution, RunSpec, plan
from tests.helpers import is_subsequence, poll
from tests.integration.conftest import queue_log_verbs

pytestmark = pytest.mark.integration


def one_call(*, agents: int, patience: str, ring: str, talk: str, queue: str) -> RunSpec:
    return RunSpec(
        calls=1,
        rate=None,
        queue=queue,
        agents=agents,
        patience=Distribution.parse(patience, name="patience"),
        ring=Distribution.parse(ring, name="ring"),
        talk=Distribution.parse(talk, name="talk"),
        seed=3,
    )


async def stored_events(app: FastAPI, uniqueid: str) -> list[str]:
    async with app.state.services.db_engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT event FROM ami_events WHERE headers->>'Uniqueid' = :u ORDER BY event_ts, id"
            ),
            {"u": uniqueid},
        )
        return [r[0] for r in rows]


async def run_call(ami: AmiClient, spec: RunSpec) -> str:
    calls = plan(spec, run_id=f"it-{uuid.uuid4().hex[:8]}")
    sim = Simulation(ami=ami, spec=spec, calls=calls)
    await sim.run()
    await sim.agents.logout_all()
    (state,) = sim.states
    assert state.placed and state.ended, state.as_dict()
    return network_id(state.plan.call_id)


async def test_answered_call_full_sequence_in_db_and_queue_log(
    app: FastAPI, sim_ami: AmiClient, queue_log: Path
) -> None:
    await poll(lambda: app.state.services.ami.connected, timeout_s=20, what="service AMI login")
    spec = one_call(agents=1, patience="30", ring="1", talk="2", queue="digital-law")
    uid = await run_call(sim_ami, spec)

    wanted = ["QueueCallerJoin", "AgentCalled", "AgentConnect", "AgentComplete"]

    async def stored() -> list[str] | None:
        seen = await stored_events(app, uid)
        return seen if is_subsequence(wanted, seen) else None

    await poll(stored, timeout_s=10, what=f"{wanted} stored for {uid}")
    verbs = await poll(
        lambda: queue_log_verbs(queue_log, uid) or None, timeout_s=10, what="queue_log lines"
    )
    assert verbs[0] == "ENTERQUEUE"
    assert "CONNECT" in verbs
    assert verbs[-1] in ("COMPLETEAGENT", "COMPLETECALLER")


async def test_abandoned_call_full_sequence_in_db_and_queue_log(
    app: FastAPI, sim_ami: AmiClient, queue_log: Path
) -> None:
    await poll(lambda: app.state.services.ami.connected, timeout_s=20, what="service AMI login")
    # The agent rings longer than the caller's patience: the caller hangs up while waiting.
    spec = one_call(agents=1, patience="2", ring="12", talk="2", queue="cyber-threats")
    uid = await run_call(sim_ami, spec)

    wanted = ["QueueCallerJoin", "AgentCalled", "QueueCallerAbandon"]

    async def stored() -> list[str] | None:
        seen = await stored_events(app, uid)
        return seen if is_subsequence(wanted, seen) else None

    seen = await poll(stored, timeout_s=10, what=f"{wanted} stored for {uid}")
    assert "AgentConnect" not in seen
    verbs = await poll(
        lambda: (v := queue_log_verbs(queue_log, uid)) and "ABANDON" in v and v,
        timeout_s=10,
        what="queue_log ABANDON",
    )
    assert verbs[0] == "ENTERQUEUE"
    assert "CONNECT" not in verbs


async def test_redelivered_events_are_stored_once(app: FastAPI) -> None:
    writer = app.state.services.event_writer
    event = {
        "Event": "QueueCallerJoin",
        "Timestamp": "1764400000.000001",
        "Uniqueid": f"redelivery-{uuid.uuid4().hex}",
        "Queue": "general",
    }
    writer.add(event)
    writer.add(dict(event))
    await writer.flush()
    writer.add(dict(event))
    await writer.flush()
    assert await stored_events(app, event["Uniqueid"]) == ["QueueCallerJoin"]
