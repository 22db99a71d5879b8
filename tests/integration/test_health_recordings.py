"""`/healthz` tells operators how many recordings are not yet safe in the vault."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from callcenter.db import transaction
from recordings.models import Recording, UploadState

pytestmark = pytest.mark.integration


def a_recording(state: UploadState) -> Recording:
    uid = f"health-{uuid.uuid4().hex[:12]}"
    return Recording(
        uniqueid=uid, linkedid=uid, started_at=datetime.now(UTC), codec="ogg", size_bytes=1,
        sha256="0" * 64, bucket="recordings", object_key=f"test/{uid}.ogg",
        upload_state=state.value, error="read-back sha256 differs" if state == "failed" else None,
    )  # fmt: skip


async def test_healthz_counts_recordings_waiting_and_failed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    before = (await client.get("/healthz")).json()["recordings"]

    async with transaction(app.state.services.sessions) as session:
        session.add_all([a_recording(UploadState.failed), a_recording(UploadState.uploaded)])
    after = (await client.get("/healthz")).json()

    assert before["uploader"] in ("ok", "retrying")
    assert after["recordings"]["failed"] == before["failed"] + 1
    assert after["recordings"]["waiting"] >= 1
    assert set(after["checks"]) == {"db", "ami", "ari", "s3"}  # the backlog is not a check
    assert after["events"]["journaled"] == 0 and after["events"]["last_error"] is None
