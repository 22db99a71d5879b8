"""A real recorded call reaches a locked S3 bucket, verified end to end; bad files are kept."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from recordings import service
from recordings.models import UploadState
from recordings.storage import RECORDINGS_PREFIX, ObjectRef, make_minio
from recordings.transfer import Job, send
from recordings.uploader import Uploader
from tests.integration.recordings_support import (
    fake_item,
    ogg_like,
    own_weed,
    recorded_call,
    spool_sub,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def weed(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with own_weed(settings, tmp_path_factory.mktemp("weed")) as (s3_settings, _):
        yield s3_settings


@pytest.fixture
def sub(settings: Settings) -> Iterator[Path]:
    with spool_sub(settings.spool_path) as path:
        yield path


def uploader_for(app: FastAPI, s3: Settings, spool_dir: Path) -> Uploader:
    return Uploader(
        s3=make_minio(s3), sessions=app.state.services.sessions, spool_dir=spool_dir,
        bucket=s3.s3_bucket, retention_days=s3.retention_days, scan_s=0.2,
    )  # fmt: skip


async def test_recorded_call_is_locked_in_the_bucket_with_its_sha256(
    app: FastAPI, sim_ami: AmiClient, weed: Settings, sub: Path
) -> None:
    item = await recorded_call(sim_ami, sub=sub, talk_s=3, caller="0891234567")
    audio = item.audio_path.read_bytes()
    expected = hashlib.sha256(audio).hexdigest()
    uploader = uploader_for(app, weed, sub)

    row = await uploader.hash_step(item)
    assert row is not None and row.upload_state == UploadState.hashed
    assert row.sha256 == expected and item.audio_path.exists()

    assert await uploader.process(item) == UploadState.verified
    assert not item.audio_path.exists() and not item.meta_path.exists()

    async with app.state.services.sessions() as session:
        stored = await service.by_uniqueid(session=session, uniqueid=item.uniqueid)
    assert stored is not None
    assert stored.upload_state == UploadState.verified
    assert stored.queue == "digital-platforms" and stored.caller == "0891234567"
    assert stored.agent.startswith("sim-agent-") and stored.codec == "vorbis"
    assert stored.duration_s > 1 and stored.size_bytes == len(audio)

    client: Minio = make_minio(weed)
    stat = client.stat_object(stored.bucket, stored.object_key, version_id=stored.version_id)
    assert {k.lower(): v for k, v in stat.metadata.items()}["x-amz-meta-sha256"] == expected
    retention = client.get_object_retention(
        stored.bucket, stored.object_key, version_id=stored.version_id
    )
    assert retention is not None and retention.mode == COMPLIANCE
    assert retention.retain_until_date >= datetime.now(UTC) + timedelta(days=180) - timedelta(
        minutes=5
    )
    with pytest.raises(S3Error):
        client.remove_object(stored.bucket, stored.object_key, version_id=stored.version_id)
    await uploader.run_once()  # each uploader sets the bucket's expiry rule on its first round
    lifecycle = client.get_bucket_lifecycle(stored.bucket)
    assert lifecycle is not None
    (rule,) = lifecycle.rules
    assert rule.expiration is not None and rule.expiration.days == 181  # after retention ends
    # only recordings expire: case attachments share the bucket by default
    assert rule.rule_filter is not None and rule.rule_filter.prefix == RECORDINGS_PREFIX
    assert stored.object_key.startswith(RECORDINGS_PREFIX)
    assert client.stat_object(stored.bucket, stored.object_key, version_id=stored.version_id)


async def test_spool_file_changed_after_hashing_is_flagged_and_kept(
    app: FastAPI, weed: Settings, sub: Path
) -> None:
    item = fake_item(sub, f"{sub.name}-net", ogg_like(10_000))
    uploader = uploader_for(app, weed, sub)
    row = await uploader.hash_step(item)
    assert row is not None

    data = bytearray(item.audio_path.read_bytes())
    data[500] ^= 0xFF  # one flipped byte: disk fault or tampering
    item.audio_path.write_bytes(bytes(data))

    assert await uploader.process(item) == UploadState.failed
    assert item.audio_path.exists() and item.done_path.exists()  # kept for a person
    await uploader.run_once()  # later rounds leave it alone too
    assert item.audio_path.read_bytes() == bytes(data)

    async with app.state.services.sessions() as session:
        stored = await service.by_uniqueid(session=session, uniqueid=item.uniqueid)
    assert stored is not None and stored.upload_state == UploadState.failed
    assert stored.error and "changed after hashing" in stored.error
    assert stored.version_id is None  # nothing unverifiable was locked into the store


@pytest.mark.parametrize("size", [10_000, 6 * 1024 * 1024])  # over 5 MiB the SDK would split
async def test_store_refuses_bytes_that_differ_from_the_catalogued_sha256(
    weed: Settings, tmp_path: Path, size: int
) -> None:
    """The upload carries the sha256 taken before it: bytes changed on the way are refused by
    the store itself (nothing locked for 180 days that cannot be verified) and flagged."""
    good = ogg_like(size)
    changed = bytearray(good)
    changed[500] ^= 0xFF
    key = f"test/{tmp_path.name}/changed.ogg"
    job = Job(
        path=tmp_path / "changed.ogg", content_type="audio/ogg", state=UploadState.hashed,
        sha256=hashlib.sha256(good).hexdigest(), ref=ObjectRef(weed.s3_bucket, key, None),
        retain_until=None, retention_days=weed.retention_days, data=bytes(changed),
    )  # fmt: skip
    client = make_minio(weed)

    outcome = await asyncio.to_thread(send, client, job)

    assert outcome.state == UploadState.failed and outcome.version_id is None
    assert outcome.error_text and "refused" in outcome.error_text
    stored = client.list_objects(weed.s3_bucket, prefix=key, include_version=True)
    assert [o.object_name for o in stored] == []
