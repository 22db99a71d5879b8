"""Recordings are encrypted at rest: the store's files on disk do not hold their bytes.

A private `weed mini` (its own data folder, so the scan sees only this test's objects) stores
a recording the way the uploader does, and a control object in a bucket without encryption;
the control's bytes are found in the data folder (the scan works), the recording's are not.
"""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.config import Settings
from recordings import storage
from tests.integration.recordings_support import ogg_like, own_weed

pytestmark = pytest.mark.integration


def _found_on_disk(root: Path, needle: bytes) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            hits.append(path.name)
    return hits


def test_a_stored_recording_is_not_readable_from_the_stores_files(
    settings: Settings, tmp_path: Path
) -> None:
    with own_weed(settings, tmp_path / "weed") as (own, service):
        service.ensure_bucket()
        client = storage.make_minio(own)
        recording = ogg_like(200_000)
        digest = hashlib.sha256(recording).hexdigest()
        (tmp_path / "r.ogg").write_bytes(recording)
        version = storage.put_locked(
            client, bucket=own.s3_bucket, key="calls/at-rest/r.ogg", path=tmp_path / "r.ogg",
            data=recording, sha256=digest, content_type="audio/ogg",
            retain_until=datetime.now(UTC) + timedelta(minutes=5),
        )  # fmt: skip
        assert version
        stat = client.stat_object(own.s3_bucket, "calls/at-rest/r.ogg")
        assert stat.metadata.get("x-amz-server-side-encryption") == "AES256"
        # read back through S3 with the keys: the same bytes
        response = client.get_object(own.s3_bucket, "calls/at-rest/r.ogg")
        try:
            assert response.read() == recording
        finally:
            response.close()
            response.release_conn()

        control = b"OggS" + os.urandom(200_000)
        client.make_bucket("plain-control")
        client.put_object("plain-control", "c.ogg", io.BytesIO(control), len(control))

        data = tmp_path / "weed" / "s3" / "data"
        assert data.is_dir(), sorted(p.name for p in (tmp_path / "weed").rglob("*"))[:20]
        assert _found_on_disk(data, control[5000:5064]), "the scan does not see stored bytes"
        assert not _found_on_disk(data, recording[5000:5064])
        assert not _found_on_disk(data, recording[150_000:150_064])
