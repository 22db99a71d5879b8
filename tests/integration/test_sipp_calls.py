"""Real SIP calls in: SIPp callers on the carrier trunk (pjsip.conf, ivr.toml [trunk]) dial 1212,
key the menu with RFC 4733 DTMF and wait, through the real Asterisk into the service's IVR and
the queues; the stored records and the kpi figures agree with Asterisk's queue_log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from ari_app.client import AriEvent
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.agents import SimAgents
from tests.helpers import is_subsequence, poll
from tests.integration.conftest import own_database, queue_log_verbs
from tests.integration.ivr_support import (
    SHORT_MENU,
    ami_language,
    ari_events_of,
    ivr_service,
    joined_queue,
    of_channel,
    prompts_played,
)
from tests.integration.kpi_support import kpi_cli, settle, window
from tests.integration.sipp_support import (
    ami_events_of,
    call,
    callback_task_of,
    confirmed_number,
    csat_of,
    stasis_channel,
    stored_call,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fresh(settings: Settings) -> Iterator[Settings]:
    """A database of its own: the kpi figures are this module's calls only."""
    with own_database(settings, "callcenter_sipp") as own:
        yield own


@pytest.fixture(scope="module")
async def ivr_app(
    fresh: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    # Digital platforms asks callers to rate the call after the agent hangs up (CSAT).
    menu = SHORT_MENU + "[queues.digital-platforms]\ncsat = true\n"
    conf = tmp_path_factory.mktemp("sipp-conf")
    async with ivr_service(fresh, conf, menu=menu) as application:
        yield application


@pytest.fixture
async def ari_events(ivr_app: FastAPI) -> AsyncIterator[list[AriEvent]]:
    async with ari_events_of(ivr_app) as seen:
        yield seen


async def _record_of(app: FastAPI, number: str) -> dict[str, Any] | None:
    await app.state.services.record_writer.flush()
    async with app.state.services.db_engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT queue, outcome, agent FROM queue_calls WHERE caller = :n "
                "AND outcome IS NOT NULL"
            ),
            {"n": number},
        )
        found = row.mappings().first()
        return dict(found) if found else None


async def _answered_by_one_agent(
    app: FastAPI,
    sim_ami: AmiClient,
    queue: str,
    scenario: str,
    workdir: Path,
    stasis_app: str | None = None,
) -> tuple[str, str, float, float]:
    """One SIPp call with one simulated agent in `queue`: the caller's number, the agent, and
    the period of the call (for the kpi)."""
    agents = SimAgents(ami=sim_ami, queue=queue)
    (agent,) = await agents.ensure(1)
    start = window()
    try:
        number, _ = await call(app, scenario, workdir, stasis_app=stasis_app)
    finally:
        await agents.logout_all()
    return number, agent, start, window() + 1


async def test_thai_caller_chooses_online_shopping_and_is_answered(
    ivr_app: FastAPI, fresh: Settings, sim_ami: AmiClient, ari_events: list[AriEvent],
    tmp_path: Path,
) -> None:  # fmt: skip
    app = ivr_app
    number, agent, start, end = await _answered_by_one_agent(
        app, sim_ami, "online-shopping", "thai-online-shopping.xml", tmp_path
    )
    uid = stasis_channel(ari_events, number)
    # Key 1 during the welcome: straight to the queue, in Thai.
    assert prompts_played(ari_events, uid)[:1] == ["th/welcome"]
    assert await joined_queue(app, uid) == "online-shopping"
    record = await stored_call(app, uid)
    assert (record["queue"], record["caller"], record["outcome"]) == (
        "online-shopping", number, "answered",
    )  # fmt: skip
    assert record["agent"] == agent
    wanted = ["QueueCallerJoin", "AgentConnect", "AgentComplete"]

    async def stored_in_order() -> bool:
        return is_subsequence(wanted, await ami_events_of(app, uid))

    await poll(stored_in_order, timeout_s=20, what="the call's AMI events stored")
    await settle(app, fresh, start, end, "online-shopping")
    assert kpi_cli(fresh, start, end, "online-shopping")["answered"] == 1


async def test_english_caller_reaches_cyber_threats_in_english(
    ivr_app: FastAPI, fresh: Settings, sim_ami: AmiClient, ari_events: list[AriEvent],
    tmp_path: Path,
) -> None:  # fmt: skip
    app = ivr_app
    number, _, start, end = await _answered_by_one_agent(
        app, sim_ami, "cyber-threats", "english-cyber-threats.xml", tmp_path
    )
    uid = stasis_channel(ari_events, number)
    assert prompts_played(ari_events, uid)[:3] == ["th/welcome", "th/language", "en/main-menu"]
    assert await joined_queue(app, uid) == "cyber-threats"
    assert await ami_language(app, uid) == "en", "the agent's screen pop says English"
    assert (await stored_call(app, uid))["outcome"] == "answered"
    await settle(app, fresh, start, end, "cyber-threats")


async def test_no_input_goes_to_the_general_queue(
    ivr_app: FastAPI, fresh: Settings, sim_ami: AmiClient, ari_events: list[AriEvent],
    tmp_path: Path,
) -> None:  # fmt: skip
    app = ivr_app
    number, _, start, end = await _answered_by_one_agent(
        app, sim_ami, "general-enquiries", "no-input.xml", tmp_path
    )
    uid = stasis_channel(ari_events, number)
    assert prompts_played(ari_events, uid) == [
        "th/welcome", "th/language", "th/main-menu", "th/invalid", "th/main-menu",
    ]  # fmt: skip
    assert await joined_queue(app, uid) == "general-enquiries"
    assert (await stored_call(app, uid))["outcome"] == "answered"
    await settle(app, fresh, start, end, "general-enquiries")


async def test_caller_hangs_up_in_the_ivr(
    ivr_app: FastAPI, fresh: Settings, ari_events: list[AriEvent], tmp_path: Path
) -> None:
    app = ivr_app
    number, _ = await call(app, "hangup-in-ivr.xml", tmp_path)
    uid = stasis_channel(ari_events, number)
    assert of_channel(ari_events, uid, "StasisEnd"), "the IVR let the channel go"
    assert "QueueCallerJoin" not in await ami_events_of(app, uid)
    assert app.state.services.ivr.waiting == 0


async def test_caller_asks_for_a_callback_from_the_queue(
    ivr_app: FastAPI, fresh: Settings, sim_ami: AmiClient, ari_events: list[AriEvent],
    tmp_path: Path,
) -> None:  # fmt: skip
    """Nobody free in online shopping: after 30 s the caller hears the offer and keys 1. They
    leave the queue as WITHDRAW (not an abandon), the callback task exists at once (requested,
    due now, their number), the dialplan reads the number back and they keep it."""
    app = ivr_app
    agents = SimAgents(ami=sim_ami, queue="online-shopping")
    await agents.ensure(1)
    await agents.pause(1)  # a member on a break: the caller waits (no LEAVEEMPTY)
    start = window()
    try:
        number, _ = await call(app, "callback-request.xml", tmp_path)
    finally:
        await agents.logout_all()
    end = window() + 1
    uid = stasis_channel(ari_events, number)
    assert "WITHDRAW" in queue_log_verbs(fresh.queue_log_file, uid)
    assert "ABANDON" not in queue_log_verbs(fresh.queue_log_file, uid)
    assert (await stored_call(app, uid))["outcome"] == "withdrawn"
    task = await callback_task_of(app, number)
    assert (task["origin"], task["queue"], task["callable"]) == (
        "requested",
        "online-shopping",
        True,
    )
    # Made when the caller pressed 1, not when the call ended (the read-back took seconds).
    assert task["created_at"] < task["call_ended_at"]
    assert task["due_at"] <= task["created_at"]
    assert task["state"] in ("pending", "dialing")
    assert await confirmed_number(app, uid) == number, "the dialplan read back and kept it"
    await settle(app, fresh, start, end, "online-shopping")
    figures = kpi_cli(fresh, start, end, "online-shopping")
    assert (figures["withdrawn"], figures["abandoned"]) == (1, 0)
    assert (figures["callbacks_requested"], figures["callbacks_owed"]) == (1, 1)


async def test_caller_stays_on_and_rates_the_call_4(
    ivr_app: FastAPI, fresh: Settings, sim_ami: AmiClient, ari_events: list[AriEvent],
    tmp_path: Path,
) -> None:  # fmt: skip
    """After the agent hangs up the caller rates 4 and says the problem was solved: the answer
    is stored against the call, agent and queue, and the kpi shows it (centre, queue, agent)."""
    app = ivr_app
    number, agent, start, end = await _answered_by_one_agent(
        app, sim_ami, "digital-platforms", "csat-rates-4.xml", tmp_path
    )
    uid = stasis_channel(ari_events, number)
    assert (await stored_call(app, uid))["outcome"] == "answered"
    answer = await csat_of(app, uid)
    assert (answer["rating"], answer["solved"], answer["language"]) == (4, True, "th")
    assert (answer["queue"], answer["agent"], answer["linkedid"]) == (
        "digital-platforms", agent, uid,
    )  # fmt: skip
    await settle(app, fresh, start, end, "digital-platforms")
    figures = kpi_cli(fresh, start, end, "digital-platforms")
    assert (figures["csat_responses"], figures["csat_avg"], figures["csat_top2_pct"]) == (
        1, 4.0, 100.0,
    )  # fmt: skip
    assert figures["csat_response_rate_pct"] == 100.0
    assert figures["csat_by_agent"] == [
        {"agent": agent, "csat_offered": 1, "csat_responses": 1, "csat_avg": 4.0,
         "csat_response_rate_pct": 100.0, "csat_top2_pct": 100.0},
    ]  # fmt: skip
    centre = kpi_cli(fresh, start, end, None)
    assert centre["queues"]["digital-platforms"]["csat_avg"] == 4.0
    # The wallboard's CSAT pill: today's figures.
    board = app.state.services.wallboard.snapshot()["csat"]
    assert (board["csat_responses"], board["csat_avg"]) == (1, 4.0)


async def test_with_the_service_away_the_dialplan_ivr_takes_the_key(
    ivr_app: FastAPI, fresh: Settings, sim_ami: AmiClient, ari_events: list[AriEvent],
    tmp_path: Path,
) -> None:  # fmt: skip
    """The call names a Stasis app nobody registered (as with the service down): [ivr] in plain
    dialplan plays its menu, takes the caller's 1 and the online-shopping agent answers."""
    app = ivr_app
    away = f"cc-ivr-away{uuid.uuid4().hex[:6]}"
    number, agent, start, end = await _answered_by_one_agent(
        app, sim_ami, "online-shopping", "thai-online-shopping.xml", tmp_path, stasis_app=away
    )
    assert not [e for e in ari_events if e.get("type") == "StasisStart"
                and e["channel"]["caller"]["number"] == number]  # fmt: skip
    record = await poll(lambda: _record_of(app, number), timeout_s=30, what="call record")
    assert (record["queue"], record["outcome"], record["agent"]) == (
        "online-shopping", "answered", agent,
    )  # fmt: skip
    await settle(app, fresh, start, end, "online-shopping")
