"""Real SIP calls in: SIPp callers on the carrier trunk (pjsip.conf, ivr.toml [trunk]) dial 1212,
key the menu with RFC 4733 DTMF and wait, through the real Asterisk into the service's IVR and
the queues; the stored records and the kpi figures agree with Asterisk's queue_log, and the IVR
figures (ivr-v1) with Asterisk's CEL."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from ari_app.client import AriEvent
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.ivrcalls import recount as cel_recount
from callcenter.simulate.agents import SimAgents
from callcenter.users.models import Role
from tests.helpers import is_subsequence, poll
from tests.integration.cases_support import case_body
from tests.integration.conftest import own_database, queue_log_verbs
from tests.integration.ivr_support import (
    CASE_PROMPTS,
    SHORT_MENU,
    TONE_PROMPTS,
    ami_language,
    ari_events_of,
    ivr_service,
    joined_queue,
    of_channel,
    prompts_played,
)
from tests.integration.kpi_support import kpi_api, kpi_cli, settle, window
from tests.integration.sipp_support import (
    ami_events_of,
    call,
    callback_task_of,
    confirmed_number,
    csat_of,
    ivr_row,
    keyed_scenario,
    stasis_channel,
    stored_call,
)
from tests.integration.users_support import person

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
    # Digital platforms asks callers to rate the call after the agent hangs up (CSAT); key 8
    # tracks an existing complaint.
    menu = (
        SHORT_MENU + 'options = { "8" = "case-status" }\n[queues.digital-platforms]\ncsat = true\n'
    )
    conf = tmp_path_factory.mktemp("sipp-conf")
    async with ivr_service(
        fresh, conf, menu=menu, prompts=TONE_PROMPTS + CASE_PROMPTS
    ) as application:
        application.state.since = window()  # the IVR figures' period: this module's calls
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
    # the websocket's StasisEnd may come a moment after SIPp saw its BYE answered
    await poll(lambda: of_channel(ari_events, uid, "StasisEnd"), timeout_s=15,
               what="the IVR letting the channel go")  # fmt: skip
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


IVR_FIELDS = (
    "ivr_calls", "ivr_routed", "ivr_hangups", "ivr_closed", "ivr_fallbacks", "ivr_case_status",
    "ivr_by_language", "ivr_by_option", "ivr_by_queue",
)  # fmt: skip


def _ivr_figures(body: dict[str, Any]) -> dict[str, Any]:
    figures = {k: body[k] for k in IVR_FIELDS if k != "ivr_by_queue"}
    figures["ivr_by_queue"] = {
        q: f["ivr_routed"] for q, f in body.get("queues", {}).items() if f.get("ivr_routed")
    }
    return figures


def _cel_figures(settings: Settings, app: str, start: float, end: float) -> dict[str, Any]:
    counted = cel_recount.recount(
        cel_recount.lines(settings.cel_file), start=start, end=end, app=app
    )
    counted["ivr_by_queue"] = {r["queue"]: r["ivr_routed"] for r in counted["ivr_by_queue"]}
    return counted


async def test_caller_tracks_a_case_by_its_number_and_the_ivr_figures_equal_the_cel_recount(
    ivr_app: FastAPI, fresh: Settings, ari_events: list[AriEvent], tmp_path: Path
) -> None:
    """A caller keys 8 (track an existing complaint), the 14 digits of a real case's number and
    #: they hear the number back digit by digit and the case's status (in progress), then hang
    up. The IVR stored their path; and the IVR figures of `callcenter kpi` and the API for this
    module's calls (calls, hang-ups in the IVR, per queue, language, option, fallbacks,
    case-status use) equal a recount from Asterisk's CEL file alone."""
    app = ivr_app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        supervisor = await person(app, client, Role.supervisor)
        made = await client.post(
            "/api/v1/cases", json=case_body(status="in_progress"), headers=supervisor.headers
        )
    assert made.status_code == 201, made.text
    number = made.json()["number"]  # 1212-YYYYMMDD-NNNNNN
    keyed = number.replace("-", "")[4:]  # the date and serial: 14 keys
    scenario = keyed_scenario(tmp_path, "8" + keyed + "#", hold_ms=6000)
    caller, _ = await call(app, str(scenario), tmp_path)
    uid = stasis_channel(ari_events, caller)
    heard = prompts_played(ari_events, uid)
    at = heard.index("th/case-enter")
    said = ["th/case-number-is", *(f"th/digit-{d}" for d in keyed), "th/case-status-in-progress"]
    assert heard[at + 1 : at + 1 + len(said)] == said
    assert heard[at + 1 + len(said)] == "th/case-agent-offer"
    row = await ivr_row(app, uid)
    assert (row["option"], row["case_lookups"], row["outcome"]) == ("8", 1, "hung_up")

    start, app_name = app.state.since, app.state.settings.ari_app
    end = time.time() + 1
    truth: dict[str, Any] = {}

    async def agreed() -> bool:
        truth.update(_cel_figures(fresh, app_name, start, end))
        return _ivr_figures(await kpi_api(app, start, end, None)) == truth

    await poll(agreed, timeout_s=30, what="the IVR figures equal CEL's")
    assert truth["ivr_case_status"] >= 1 and truth["ivr_hangups"] >= 1
    assert _ivr_figures(kpi_cli(fresh, start, end, None)) == truth
    assert kpi_cli(fresh, start, end, None)["ivr_definition"] == "ivr-v1"
