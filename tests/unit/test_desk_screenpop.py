"""Screen pops go to the answering agent's own topic only; the desk bundle is the locked JsSIP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent_ui.hub import Hub
from callcenter.centre import AgentDef, Centre, QueueDef
from callcenter.desk import service
from callcenter.desk.screenpop import ScreenPop, fan_out
from callcenter.errors import Forbidden

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = Centre(
    queues=[QueueDef("digital-law", "4", "กฎหมายดิจิทัล", "Digital law", wrapuptime=5)],
    agents=[AgentDef("agent07", "Agent 07", {"digital-law": 0})],
    default_queue="digital-law",
)


class Sessions:
    """No database: history lookups fail and the pop says so."""

    def __call__(self) -> Any:
        raise RuntimeError("no database in unit tests")


def event(name: str, member: str, **extra: str) -> dict[str, str]:
    return {
        "Event": name, "Queue": "digital-law", "MemberName": member,
        "Interface": f"PJSIP/{member}", "CallerIDNum": "0812345678", "CallerIDName": "x",
        "Uniqueid": "c1-net", "Linkedid": "c1", "Timestamp": "1795990000.5", **extra,
    }  # fmt: skip


async def test_pops_reach_only_the_agent_and_keep_the_call_in_the_snapshot() -> None:
    published: list[tuple[str, dict[str, Any]]] = []
    hub = Hub(lambda t: {})
    hub.publish = lambda topic, data: published.append((topic, data)) or 0  # type: ignore[method-assign]
    pops = ScreenPop(hub=hub, sessions=Sessions(), layout=LAYOUT)  # type: ignore[arg-type]
    pops.handle(event("AgentCalled", "agent07"))
    pops.handle(event("AgentCalled", "sim-agent-01"))  # simulated members get no pop
    pops.handle(event("QueueCallerJoin", "agent07"))
    pops.handle(event("AgentConnect", "agent07"))
    await pops.stop()
    assert {topic for topic, _ in published} == {"agent:agent07"}
    stages = [d["call"]["stage"] for _, d in published]
    assert stages[0] == "ringing" and "connected" in stages
    call = published[0][1]["call"]
    assert (call["caller"], call["queue_th"], call["queue_en"], call["call_id"]) == (
        "0812345678", "กฎหมายดิจิทัล", "Digital law", "c1",
    )  # fmt: skip
    snap = pops.snapshot("agent:agent07")
    assert [c["call_id"] for c in snap["calls"]] == ["c1"]
    assert pops.snapshot("agent:agent08") == {"kind": "calls", "calls": []}


def test_fan_out_runs_the_pipeline_even_when_an_extra_fails() -> None:
    seen: list[str] = []

    def broken(_: object) -> None:
        raise ValueError("boom")

    fan_out(seen.append, broken)("e1")
    assert seen == ["e1"]


def test_desk_acts_only_for_a_linked_agent() -> None:
    with pytest.raises(Forbidden):
        service.agent_of(LAYOUT, None)
    assert service.chosen_queues(LAYOUT.agents[0], None) == {"digital-law": 0}


def test_bundle_is_the_locked_jssip() -> None:
    lock = json.loads((ROOT / "agent_ui/web/package-lock.json").read_text())
    version = lock["packages"]["node_modules/jssip"]["version"]
    bundle = (ROOT / "agent_ui/static/vendor/jssip.min.js").read_text()
    assert f'version:"{version}"' in bundle
    assert "http://" not in (ROOT / "agent_ui/templates/desk.html").read_text()  # no CDN
