"""The desk's state line: a pause asked for during a call is shown as requested, then paused."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from callcenter.centre import AgentDef, Centre, QueueDef
from callcenter.desk import service
from queue_metrics.agents import AgentStates
from queue_metrics.events import MemberAdded, MemberPaused

LAYOUT = Centre(
    queues=[QueueDef("digital-law", "4", "กฎหมายดิจิทัล", "Digital law")],
    agents=[AgentDef("agent07", "Agent 07", {"digital-law": 0})],
    default_queue="digital-law",
)
IFACE, CALL = "PJSIP/agent07", ("call-1", "digital-law")


def desk_state(agents: AgentStates, now: float) -> Any:
    metrics: Any = SimpleNamespace(agents=agents)
    return service.state(metrics=metrics, layout=LAYOUT, agent=LAYOUT.agents[0], now=now)


def test_pause_while_ringing_is_requested_then_paused_after_the_call() -> None:
    agents = AgentStates()
    agents.added(MemberAdded(0.0, "digital-law", IFACE, "agent07", 1, False, "", 0))
    agents.rung(IFACE, CALL)
    shown = desk_state(agents, 1.0)
    assert (shown.state, shown.pause_requested) == ("ringing", False)

    agents.paused(MemberPaused(2.0, "digital-law", IFACE, "agent07", True, "training"))
    shown = desk_state(agents, 2.0)
    assert (shown.state, shown.pause_requested, shown.pause_reason) == (
        "ringing", True, "training",
    )  # fmt: skip

    agents.connected(IFACE, CALL)
    shown = desk_state(agents, 3.0)
    assert (shown.state, shown.pause_requested) == ("on_call", True)

    agents.completed(IFACE, CALL, wrapup_until=0.0)
    shown = desk_state(agents, 4.0)
    assert (shown.state, shown.reason, shown.pause_requested) == ("paused", "training", False)


def test_no_pause_requested_when_idle_or_not_paused() -> None:
    agents = AgentStates()
    agents.added(MemberAdded(0.0, "digital-law", IFACE, "agent07", 1, False, "", 0))
    assert desk_state(agents, 1.0).pause_requested is False
    agents.paused(MemberPaused(1.0, "digital-law", IFACE, "agent07", True, "meal"))
    shown = desk_state(agents, 2.0)
    assert (shown.state, shown.pause_requested) == ("paused", False)


def test_dial_pad_numbers_and_route() -> None:
    from callcenter.config import Settings
    from callcenter.errors import Conflict, InvalidInput

    settings = Settings(desk_out_context="", callback_out_context="")
    assert service.dial_number(settings, "081-234 5678") == "0812345678"
    assert service.dial_number(settings, "+66812345678") == "+66812345678"
    assert service.dial_number(settings, "1441") == "1441"
    for bad in ("12", "08123", "0812345678;Dial(x)", "*99#", "0012345678"):
        with pytest.raises(InvalidInput) as refused:
            service.dial_number(settings, bad)
        assert refused.value.error_id == "invalid_number"
    with pytest.raises(Conflict) as none:
        service.out_context(settings)
    assert none.value.error_id == "outbound_not_configured"
    assert service.out_context(Settings(callback_out_context="trunk")) == "trunk"
    assert (
        service.out_context(Settings(desk_out_context="desk", callback_out_context="t")) == "desk"
    )
