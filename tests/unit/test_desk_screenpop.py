"""Screen pops go to the answering agent's own topic only; the desk bundle is the locked JsSIP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agent_ui.hub import Hub
from callcenter.centre import AgentDef, Centre, QueueDef
from callcenter.desk import service
from callcenter.desk.screenpop import ScreenPop, fan_out
from callcenter.errors import Forbidden
from tests.helpers import poll

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = Centre(
    queues=[QueueDef("digital-law", "4", "กฎหมายดิจิทัล", "Digital law", wrapuptime=5)],
    agents=[
        AgentDef("agent07", "Agent 07", {"digital-law": 0}),
        AgentDef("agent08", "Agent 08", {"digital-law": 0}),
    ],
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
    pops.handle(event("AgentCalled", "agent07", ChanVariable="CC_ENTERED=1.5,CC_LANG=en"))
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
    assert call["language"] == "en"  # chosen in the IVR, kept on the later events
    assert published[-1][1]["call"]["language"] == "en"
    snap = pops.snapshot("agent:agent07")
    assert [c["call_id"] for c in snap["calls"]] == ["c1"]
    assert pops.snapshot("agent:agent08") == {"kind": "calls", "calls": []}


class CountingPops(ScreenPop):
    """History from a counter instead of the database; the first lookup can fail."""

    def __init__(self, hub: Hub, *, fail_first: bool = False) -> None:
        super().__init__(hub=hub, sessions=Sessions(), layout=LAYOUT)  # type: ignore[arg-type]
        self.lookups: list[str] = []
        self.fail_first = fail_first

    async def history(self, *, caller: str, exclude_call: str = "") -> dict[str, Any]:
        self.lookups.append(caller)
        await asyncio.sleep(0)
        if self.fail_first and len(self.lookups) == 1:
            raise ConnectionError("database restarting")
        return {"contacts": [{"queue": "digital-law"}], "cases": [], "callback": None}


def histories(published: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {t: d["call"]["history"] for t, d in published if "history" in d["call"]}


async def test_agents_rung_in_turn_for_one_call_share_one_history_lookup() -> None:
    published: list[tuple[str, dict[str, Any]]] = []
    hub = Hub(lambda t: {})
    hub.publish = lambda topic, data: published.append((topic, data)) or 0  # type: ignore[method-assign]
    pops = CountingPops(hub)
    pops.handle(event("AgentCalled", "agent07"))
    pops.handle(event("AgentRingNoAnswer", "agent07"))
    pops.handle(event("AgentCalled", "agent08"))  # rrmemory: the next agent, same call
    await poll(lambda: len(histories(published)) == 2, timeout_s=5)
    assert pops.lookups == ["0812345678"]
    assert histories(published)["agent:agent07"] == histories(published)["agent:agent08"]

    pops.handle(event("AgentCalled", "agent07", Linkedid="c2", Uniqueid="c2-net"))
    await poll(lambda: len(pops.lookups) == 2, timeout_s=5)  # another call: its own lookup
    await pops.stop()


async def test_a_failed_history_lookup_is_tried_again_for_the_next_agent() -> None:
    published: list[tuple[str, dict[str, Any]]] = []
    hub = Hub(lambda t: {})
    hub.publish = lambda topic, data: published.append((topic, data)) or 0  # type: ignore[method-assign]
    pops = CountingPops(hub, fail_first=True)
    pops.handle(event("AgentCalled", "agent07"))
    await poll(lambda: "agent:agent07" in histories(published), timeout_s=5)
    assert histories(published)["agent:agent07"].get("error") is True
    pops.handle(event("AgentCalled", "agent08"))
    await poll(lambda: "agent:agent08" in histories(published), timeout_s=5)
    assert histories(published)["agent:agent08"]["contacts"] == [{"queue": "digital-law"}]
    assert len(pops.lookups) == 2
    await pops.stop()


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
