"""A simulated call's recording lasts as long as its talk (both parties' media flows for the
whole call); one whose media stopped early is flagged incomplete in the catalogue, counted
on /healthz and raised as an alert."""

from __future__ import annotations

import contextlib
import random
import time
import uuid

import httpx
import pytest
from fastapi import FastAPI

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.agents import SimAgents
from callcenter.stack.asterisk import AsteriskService
from callcenter.users.models import Role
from recordings import service, spool
from recordings.models import Recording, UploadState
from recordings.uploader import Uploader
from tests.helpers import poll
from tests.integration.recordings_support import OUR_AGENT, QUEUE, recorded_call, spool_sub
from tests.integration.test_recordings_api import token_for

pytestmark = pytest.mark.integration


async def stored_call(
    app: FastAPI, settings: Settings, ami: AmiClient, *, talk_s: int, voice_s: int | None = None
) -> Recording:
    """One recorded call uploaded to the vault, once checked against its queue record."""
    with spool_sub(settings.spool_path) as sub:
        item = await recorded_call(ami, sub=sub, talk_s=talk_s, voice_s=voice_s)
        uploader = Uploader(
            s3=app.state.services.s3, sessions=app.state.services.sessions, spool_dir=sub,
            bucket=settings.s3_bucket, retention_days=settings.retention_days,
            incomplete_tolerance_s=settings.recordings_incomplete_tolerance_s,
        )  # fmt: skip
        assert await uploader.process(item) == UploadState.verified

        async def checked() -> Recording | None:
            await uploader.check_complete()  # the call's queue record may arrive a bit later
            async with app.state.services.sessions() as session:
                row = await service.by_uniqueid(session=session, uniqueid=item.uniqueid)
            return row if row is not None and row.talk_s is not None else None

        return await poll(checked, timeout_s=30, what=f"{item.uniqueid} checked against its call")


async def test_recordings_last_as_long_as_their_talk(
    app: FastAPI, settings: Settings, sim_ami: AmiClient
) -> None:
    for talk in (4, 9, 17):
        row = await stored_call(app, settings, sim_ami, talk_s=talk)
        assert row.talk_s is not None and abs(row.talk_s - talk) <= 1, (talk, row.talk_s)
        assert abs(row.duration_s - row.talk_s) <= 1, (talk, row.duration_s, row.talk_s)
        assert not row.incomplete


async def test_a_recording_whose_media_stopped_is_flagged_incomplete(
    app: FastAPI, settings: Settings, sim_ami: AmiClient, client: httpx.AsyncClient
) -> None:
    before = (await client.get("/healthz")).json()["recordings"]["incomplete_60m"]

    row = await stored_call(app, settings, sim_ami, talk_s=14, voice_s=3)  # then silence

    assert row.incomplete, (row.duration_s, row.talk_s)
    assert row.duration_s < 6 and row.talk_s is not None and row.talk_s >= 13
    health = (await client.get("/healthz")).json()["recordings"]
    assert health["incomplete_60m"] == before + 1
    supervisor = await token_for(app, settings, Role.supervisor)
    listed = await client.get(
        "/api/v1/recordings", params={"caller": row.caller}, headers=supervisor
    )
    (shown,) = [r for r in listed.json() if r["uniqueid"] == row.uniqueid]
    assert shown["incomplete"] is True and shown["talk_s"] == row.talk_s  # the QA page marks it

    def alert() -> list[dict[str, object]]:
        return [
            a for a in app.state.services.wallboard.alerts if a["rule"] == "recordings_incomplete"
        ]

    (fired,) = await poll(alert, timeout_s=60, what="the incomplete-recordings alert")
    assert fired["scope"] == "centre" and fired["severity"] == "critical"
    assert "shorter than their calls" in str(fired["text_en"])


def channel_fields(settings: Settings, uniqueid: str) -> list[str] | None:
    """`core show channels concise` of the live channel with this Uniqueid: name, context,
    exten, priority, state, application, data, caller id, ..., bridge id (12), uniqueid."""
    for line in AsteriskService(settings).rx("core show channels concise").splitlines():
        fields = line.split("!")
        if fields[-1] == uniqueid:
            return fields
    return None


async def test_a_caller_moved_to_another_queue_keeps_one_whole_recording(
    settings: Settings, sim_ami: AmiClient
) -> None:
    """A caller an agent sends to a second queue (the desk's transfer: agents-phones,<queue>)
    passes [queue-entry] twice. The recording started in the first queue goes on to the end:
    a second MixMonitor on the same file cut the first queue's talk out of it."""
    second, talk_s = "digital-law", 8
    agents = {q: SimAgents(ami=sim_ami, queue=q) for q in (QUEUE, second)}
    call_id = f"move-{uuid.uuid4().hex[:10]}"
    caller = f"08{random.randint(10000000, 99999999)}"
    with spool_sub(settings.spool_path) as sub:
        try:
            for queue_agents in agents.values():
                with contextlib.suppress(Exception):  # already a member: fine
                    await queue_agents.login(OUR_AGENT)
                await queue_agents.unpause(OUR_AGENT)
            response = await sim_ami.action(
                {
                    "Action": "Originate", "Channel": f"Local/{QUEUE}@callers",
                    "Context": "callerphone", "Exten": "s", "Priority": "1",
                    "ChannelId": call_id, "OtherChannelId": f"{call_id}-net",
                    "CallerID": f'"{caller}" <{caller}>', "Timeout": "30000", "Async": "true",
                    "Variable": [f"__SIM_CALLER={caller}", "SIM_TICKS=120", "__RING=1",
                                 f"__TALK={talk_s}", f"__CC_REC_SUB={sub.name}"],
                },
                as_list=True,
            )  # fmt: skip
            last = response[-1] if isinstance(response, list) else response
            assert last.get("Response") in (None, "Success"), last
            net = f"{call_id}-net"
            talking_since: list[float] = []

            def talked(seconds: float) -> bool:
                """True once the caller has been bridged to the agent for `seconds`."""
                fields = channel_fields(settings, net)
                if fields is None or not fields[12] or fields[5] != "Queue":
                    return False
                talking_since[:1] = talking_since[:1] or [time.monotonic()]
                return time.monotonic() - talking_since[0] >= seconds

            await poll(lambda: talked(3), timeout_s=60, what="3 s of talk in the first queue")
            moved = await sim_ami.action(
                {"Action": "Redirect", "Channel": (channel_fields(settings, net) or ["gone"])[0],
                 "Context": "agents-phones", "Exten": second, "Priority": "1"}
            )  # fmt: skip
            assert moved.get("Response") == "Success", moved

            def finished() -> spool.SpoolItem | None:
                items = [i for i in spool.finished(sub) if i.uniqueid == f"{call_id}-net"]
                return items[0] if items else None

            item = await poll(finished, timeout_s=90, what=f"recording of {call_id} finished")
        finally:
            for queue_agents in agents.values():
                with contextlib.suppress(Exception):
                    await queue_agents.logout(OUR_AGENT)
        meta = item.meta_path.read_text()
        length = spool.duration_s(item.audio_path)
        assert meta.count("|kind=") == 1, (length, meta)  # recorded once, from the first queue
        # both talks are in it: at least 3 s in the first queue and the whole second one
        assert spool.duration_s(item.audio_path) >= 3 + talk_s - 1, spool.duration_s(
            item.audio_path
        )
