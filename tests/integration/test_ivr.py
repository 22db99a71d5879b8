"""A caller dials 1212: the service's Stasis IVR (menu of ivr.toml) takes the keys and puts them in
that queue with their language; with the service away, the dialplan IVR does the same."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ari_app.client import AriEvent
from callcenter import centre
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.runner import Simulation, network_id
from callcenter.simulate.spec import Distribution, RunSpec, plan
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.ivr_support import (
    ami_language,
    ari_events_of,
    ivr_service,
    joined_queue,
    language_of,
    of_channel,
    prompts_played,
)
from tests.integration.users_support import person

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def ivr_app(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    async with ivr_service(settings, tmp_path_factory.mktemp("ivr-conf")) as application:
        yield application


@pytest.fixture
async def ari_events(ivr_app: FastAPI) -> AsyncIterator[list[AriEvent]]:
    async with ari_events_of(ivr_app) as seen:
        yield seen


async def _call(
    sim_ami: AmiClient,
    settings: Settings,
    *,
    queue: str,
    digits: dict[str, str] | None = None,
    app: FastAPI,
    variables: Sequence[str] = (),
    talk: str = "1",
) -> Any:
    # ${ARI_APP} in [inbound] reads the channel's variable before the global: this service.
    if not any(v.startswith("ARI_APP=") for v in variables):
        variables = [f"ARI_APP={app.state.settings.ari_app}", *variables]
    layout = centre.load(settings.conf_dir)
    spec = RunSpec(
        calls=1,
        rate=None,
        queue=queue,
        agents=1,
        patience=Distribution.parse("25", name="patience"),
        ring=Distribution.parse("0", name="ring"),
        talk=Distribution.parse(talk, name="talk"),
        seed=4,
        entry="ivr",
    )
    calls = plan(spec, run_id=f"ivr-{uuid.uuid4().hex[:8]}")
    sim = Simulation(
        ami=sim_ami,
        spec=spec,
        calls=calls,
        ivr_digits=digits or layout.ivr_digits(),
        variables=variables,
    )
    await sim.run()
    await sim.agents.logout_all()
    (state,) = sim.states
    assert state.entered and state.answered, state.as_dict()
    return state


async def test_digit_routes_the_caller_to_its_service_queue(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    state = await _call(sim_ami, settings, app=app, queue="digital-platforms")
    uid = network_id(state.plan.call_id)
    assert await joined_queue(app, uid) == "digital-platforms"
    assert of_channel(ari_events, uid, "StasisStart"), "the service's IVR took the call"
    # The caller keyed 5 during the welcome: the menu acted on it at once.
    assert of_channel(ari_events, uid, "PlaybackStarted")


async def test_english_key_then_service_line(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    calling = asyncio.create_task(
        _call(
            sim_ami, settings, app=app, queue="cyber-threats", digits={"9w3": "cyber-threats"},
            talk="6",
        )
    )  # fmt: skip # 9: English, half a second, then 3
    uid = await poll(
        lambda: next(iter(of_channel(ari_events, "", "StasisStart", any_channel=True)), None),
        timeout_s=15,
        what="the call in the Stasis app",
    )
    uid = uid["channel"]["id"]
    # While the caller waits or talks, the channel carries the language for what comes next.
    assert await poll(lambda: language_of(app, uid), timeout_s=20, what="CC_LANG") == "en"
    state = await calling
    assert network_id(state.plan.call_id) == uid
    assert await joined_queue(app, uid) == "cyber-threats"
    assert await ami_language(app, uid) == "en", "AMI events carry it (channelvars)"
    assert prompts_played(ari_events, uid)[:3] == ["th/welcome", "th/language", "en/main-menu"]


async def test_no_input_repeats_the_menu_then_the_general_queue(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    state = await _call(
        sim_ami, settings, app=app, queue="general-enquiries", digits={"": "general-enquiries"}
    )
    uid = network_id(state.plan.call_id)
    assert await joined_queue(app, uid) == "general-enquiries"
    assert prompts_played(ari_events, uid) == [
        "th/welcome", "th/language", "th/main-menu", "th/invalid", "th/main-menu",
    ]  # fmt: skip
    assert await language_of(app, uid) in (None, "th")


async def test_dialplan_ivr_routes_when_the_service_app_is_away(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    # The call names a Stasis app nobody registered (a channel variable shadows the global):
    # Stasis fails as it does with the service down, and [ivr] in plain dialplan takes the key.
    away = f"cc-away-{uuid.uuid4().hex[:8]}"
    state = await _call(
        sim_ami, settings, app=app, queue="digital-law", variables=[f"ARI_APP={away}"]
    )
    uid = network_id(state.plan.call_id)
    assert await joined_queue(app, uid) == "digital-law"
    assert not of_channel(ari_events, uid, "StasisStart"), "the service must not have seen it"


async def test_emergency_announcement_switched_by_a_supervisor(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        boss = await person(app, client, Role.supervisor)
        agent = await person(app, client, Role.agent)
        url, body = "/api/v1/ivr/announcement", {"prompt": "announce-scam-wave", "reason": "wave"}
        r = await client.post(url, json=body, headers=agent.headers)
        assert r.status_code == 403
        r = await client.post(url, json={"prompt": "nope"}, headers=boss.headers)
        assert r.status_code == 404 and r.json()["error_id"] == "not_found"
        r = await client.post(url, json=body, headers=boss.headers)
        assert r.status_code == 200, r.text
        assert r.json()["prompt"] == "announce-scam-wave"

        state = await _call(sim_ami, settings, app=app, queue="digital-law")
        uid = network_id(state.plan.call_id)
        assert prompts_played(ari_events, uid)[:2] == ["th/welcome", "th/announce-scam-wave"]

        r = await client.post(url, json={"prompt": None, "reason": "over"}, headers=boss.headers)
        assert r.status_code == 200 and r.json()["prompt"] is None
        history = r.json()["history"]
        assert [(h["action"], h["username"], h["reason"]) for h in history[:2]] == [
            ("off", boss.username, "over"),
            ("on", boss.username, "wave"),
        ]
        state = await _call(sim_ami, settings, app=app, queue="digital-law")
        uid = network_id(state.plan.call_id)
        assert "th/announce-scam-wave" not in prompts_played(ari_events, uid)

    # The trail is append-only.
    with pytest.raises(DBAPIError):
        async with app.state.services.db_engine.begin() as conn:
            await conn.execute(text("UPDATE ivr_announcement_actions SET reason = 'edited'"))
