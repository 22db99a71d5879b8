"""A caller dials 1212: the service's Stasis IVR (menu of ivr.toml) takes the keys and puts them in
that queue with their language; with the service away, the dialplan IVR does the same."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from ari_app.client import AriEvent
from callcenter import centre
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.simulate.runner import Simulation, network_id
from callcenter.simulate.spec import Distribution, RunSpec, plan
from tests.helpers import poll

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def ivr_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The service under a Stasis app name of its own: other services on the shared Asterisk
    (each registers `callcenter`) would replace it; calls name it in ARI_APP (below)."""
    own = settings.model_copy(update={"ari_app": f"cc-ivr-{uuid.uuid4().hex[:8]}"})
    application = create_app(own)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def ari_events(ivr_app: FastAPI) -> AsyncIterator[list[AriEvent]]:
    """Every event the service's Stasis app receives while the test runs."""
    app = ivr_app
    await poll(lambda: app.state.services.ari.connected, timeout_s=20, what="ARI app registered")
    seen: list[AriEvent] = []

    async def keep(event: AriEvent) -> None:
        seen.append(event)

    app.state.services.ari.on_event(keep)
    yield seen
    app.state.services.ari.off_event(keep)


async def _call(
    sim_ami: AmiClient,
    settings: Settings,
    *,
    queue: str,
    digits: dict[str, str] | None = None,
    app: FastAPI,
    variables: Sequence[str] = (),
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
        talk=Distribution.parse("1", name="talk"),
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


async def _joined_queue(app: FastAPI, uniqueid: str) -> str:
    async def joined() -> str | None:
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT queue FROM ami_events WHERE event = 'QueueCallerJoin' "
                    "AND headers->>'Uniqueid' = :u"
                ),
                {"u": uniqueid},
            )
            found = row.scalar()
            return str(found) if found else None

    return await poll(joined, timeout_s=10, what="QueueCallerJoin stored")


def _of_channel(events: list[AriEvent], channel_id: str, kind: str) -> list[AriEvent]:
    out = []
    for event in events:
        target = event.get("channel", {}).get("id") or event.get("playback", {}).get(
            "target_uri", ""
        ).removeprefix("channel:")
        if event.get("type") == kind and target == channel_id:
            out.append(event)
    return out


async def test_digit_routes_the_caller_to_its_service_queue(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    state = await _call(sim_ami, settings, app=app, queue="digital-platforms")
    uid = network_id(state.plan.call_id)
    assert await _joined_queue(app, uid) == "digital-platforms"
    assert _of_channel(ari_events, uid, "StasisStart"), "the service's IVR took the call"
    # The caller keyed 5 during the welcome: the menu acted on it at once.
    assert _of_channel(ari_events, uid, "PlaybackStarted")


async def test_english_key_then_service_line(
    ivr_app: FastAPI, sim_ami: AmiClient, settings: Settings, ari_events: list[AriEvent]
) -> None:
    app = ivr_app
    state = await _call(
        sim_ami, settings, app=app, queue="cyber-threats", digits={"93": "cyber-threats"}
    )  # 9: English, then 3
    uid = network_id(state.plan.call_id)
    assert await _joined_queue(app, uid) == "cyber-threats"
    assert _of_channel(ari_events, uid, "StasisStart")


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
    assert await _joined_queue(app, uid) == "digital-law"
    assert not _of_channel(ari_events, uid, "StasisStart"), "the service must not have seen it"
