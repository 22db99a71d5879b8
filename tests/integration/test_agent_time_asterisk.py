"""An agent's log-in, pause for a reason and log-out through the real Asterisk reach the
reports: the reconciler keeps queue_log's member lines (agent_events), and the KPI detail
gives the agent's logged-in time and pause by reason as queue_log's lines say."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from callcenter.ami.client import AmiClient
from callcenter.kpi import service as kpi_service
from callcenter.reconcile.members import member_event
from callcenter.reconcile.queue_log import read_file
from callcenter.simulate.agents import SimAgents, member_name
from queue_metrics.agent_time import time_in_states

pytestmark = pytest.mark.integration

QUEUE = "digital-law"
N = 93  # a simulated agent no other test uses


def until(check: Callable[[], bool], *, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def lines_of(queue_log: Path, agent: str) -> list[str]:
    return [line for line in queue_log.read_text().splitlines() if f"|{agent}|" in line]


async def test_logged_in_time_and_pause_by_reason_come_from_queue_log(
    app: FastAPI, sim_ami: AmiClient, queue_log: Path
) -> None:
    agents = SimAgents(ami=sim_ami, queue=QUEUE)
    name = member_name(N)
    started = datetime.now(UTC)
    written = len(lines_of(queue_log, name))

    def last_second() -> int:
        """The whole second queue_log wrote the agent's last line at (0: none yet)."""
        lines = lines_of(queue_log, name)
        return int(lines[-1].split("|", 1)[0]) if lines else 0

    async def step(action: Awaitable[None], verb: str) -> None:
        """Once the clock is a second past the agent's last line, by that line's own time
        (queue_log counts whole seconds), do it, and wait for its line. (Timed from when the
        step began, two lines once fell in one second and the log-in lasted 2 s, not 3.)"""
        nonlocal written
        previous = last_second()
        until(lambda: time.time() >= previous + 1)
        await action
        until(lambda: len(lines_of(queue_log, name)) > written)
        written = len(lines_of(queue_log, name))
        assert f"|{name}|{verb}|" in lines_of(queue_log, name)[-1]

    await step(agents.login(N), "ADDMEMBER")  # named by member: log_membername_as_agent
    await step(agents.pause(N, reason="training"), "PAUSE")
    await step(agents.unpause(N), "UNPAUSE")
    await step(agents.logout(N), "REMOVEMEMBER")

    services = app.state.services
    services.reconciler.queue_log_records()
    await services.reconciler.store_members()
    start, end = started - timedelta(seconds=5), datetime.now(UTC) + timedelta(minutes=1)
    body = await kpi_service.period_report(
        sessions=services.sessions, reconciler=services.reconciler,
        config=services.metrics_config, callback_window_s=1800, start=start, end=end,
        queue=None, interval=None, detail=True,
    )  # fmt: skip
    row = next(r for r in body["agents"] if r["agent"] == name)

    mine = [e for e in map(member_event, read_file(queue_log).entries) if e and e.agent == name]
    expected = time_in_states(mine, start=start.timestamp(), stop=end.timestamp())[name]
    assert row["logged_in_s"] == expected.logged_in_s >= 3
    assert row["paused_by_reason"] == {"training": expected.paused_s} and expected.paused_s >= 1
    assert row["answered"] == 0 and row["occupancy_pct"] == 0.0
