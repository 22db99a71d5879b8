"""A simulated call's recording lasts as long as its talk (both parties' media flows for the
whole call); one whose media stopped early is flagged incomplete in the catalogue, counted
on /healthz and raised as an alert."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.users.models import Role
from recordings import service
from recordings.models import Recording, UploadState
from recordings.uploader import Uploader
from tests.helpers import poll
from tests.integration.recordings_support import recorded_call, spool_sub
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
