"""`callcenter simulate` as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.ami.client import AmiClient
from callcenter.simulate.agents import SimAgents, interface
from tests.integration.conftest import cli, queue_log_verbs

pytestmark = pytest.mark.integration


def test_twenty_calls_five_agents_reach_queue_log(queue_log: Path) -> None:
    result = cli("simulate", "--calls", "20", "--agents", "5", "--seed", "1", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["calls_placed"] == 20
    assert report["calls_ended"] == 20
    calls = report["calls"]
    assert len(calls) == 20
    assert all(
        c["queue"] == "general-enquiries" and c["caller"] and c["patience_s"] > 0 for c in calls
    )
    assert report["agents"] == {"count": 5, "ring": "2", "talk": "10"}
    entered = [
        c for c in calls if queue_log_verbs(queue_log, c["call_id"] + "-net")[:1] == ["ENTERQUEUE"]
    ]
    assert len(entered) == 20


def test_same_seed_same_callers() -> None:
    a = cli(
        "simulate",
        "--calls",
        "2",
        "--agents",
        "2",
        "--talk",
        "1",
        "--ring",
        "0",
        "--seed",
        "5",
        "--json",
    )
    b = cli(
        "simulate",
        "--calls",
        "2",
        "--agents",
        "2",
        "--talk",
        "1",
        "--ring",
        "0",
        "--seed",
        "5",
        "--json",
    )
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    callers = [[c["caller"] for c in json.loads(r.stdout)["calls"]] for r in (a, b)]
    assert callers[0] == callers[1]


async def test_sim_agents_login_pause_unpause_logout(sim_ami: AmiClient) -> None:
    queue = "digital-law"
    agents = SimAgents(ami=sim_ami, queue=queue)

    def run(*args: str) -> None:
        result = cli("sim-agents", *args, "--queue", queue)
        assert result.returncode == 0, result.stderr

    run("login", "--count", "2")
    members = await agents.members()
    assert sorted(m["Name"] for m in members.values()) == ["sim-agent-01", "sim-agent-02"]
    run("pause", "--count", "1", "--reason", "meal")
    member = (await agents.members())[interface(1)]
    assert (member["Paused"], member["PausedReason"]) == ("1", "meal")
    run("unpause", "--count", "1")
    assert (await agents.members())[interface(1)]["Paused"] == "0"
    run("logout", "--count", "2")
    assert await agents.members() == {}
