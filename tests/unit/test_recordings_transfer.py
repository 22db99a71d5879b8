"""One recording's S3 step (put, read back, compare) against an in-memory store."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any, cast

import pytest
from minio import Minio

from recordings import spool, storage
from recordings.models import UploadState
from recordings.transfer import Job, measure, send

AUDIO = b"OggS" + bytes(5000) + b"OggS\x00\x04" + struct.pack("<q", 8000 * 30) + bytes(40)
SHA = hashlib.sha256(AUDIO).hexdigest()


class Response:
    def __init__(self, data: bytes, headers: dict[str, str]) -> None:
        self.data, self.headers, self.offset = data, headers, 0

    def read(self, amt: int | None = None) -> bytes:
        end = len(self.data) if amt is None else self.offset + amt
        chunk, self.offset = self.data[self.offset : end], min(end, len(self.data))
        return chunk

    def close(self) -> None: ...

    def release_conn(self) -> None: ...


class Store:
    """Stands in for the minio client: versions in a dict; can corrupt or fail reads."""

    def __init__(self, *, flip: bool = False, get_fails: bool = False) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.checksums: list[str] = []  # the checksum header of every put
        self.flip, self.get_fails = flip, get_fails

    def put_object(self, bucket: str, key: str, data: Any, length: int, **kw: Any) -> Any:
        body = data.read(length)
        # as the SDK sends them: x-amz-* keys are request headers, the rest user metadata
        headers = {k: v for k, v in kw["metadata"].items() if k.lower().startswith("x-amz-")}
        self.checksums.append(headers.get(storage.CHECKSUM_HEADER, ""))
        if self.flip:  # the store keeps other bytes than it was sent
            body = bytes([body[0] ^ 1]) + body[1:]
        version = f"v{len(self.objects)}"
        meta = {f"x-amz-meta-{k}": v for k, v in kw["metadata"].items() if k not in headers}
        self.objects[version] = body, meta
        assert kw["retention"].mode == "COMPLIANCE"
        return type("Put", (), {"version_id": version})()

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> Response:
        if self.get_fails:
            raise ConnectionError("store went away")
        body, meta = self.objects[str(version_id)]
        return Response(body, meta)


def job(path: Path, *, data: bytes | None, state: str = UploadState.hashed) -> Job:
    return Job(
        path=path, content_type="audio/ogg", state=state, sha256=SHA,
        ref=storage.ObjectRef("recordings", "k", None), retain_until=None,
        retention_days=180, data=data,
    )  # fmt: skip


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    path = tmp_path / "a.ogg"
    path.write_bytes(AUDIO)
    return path


def test_measure_reads_once_and_keeps_the_bytes_it_hashed(audio: Path) -> None:
    m = measure(audio)
    assert (m.size, m.sha256, m.data) == (len(AUDIO), SHA, AUDIO)
    assert m.duration_s == spool.duration_s(audio) == spool.duration_of(AUDIO) == 30.0
    assert measure(audio.with_name("gone.ogg")).size == 0


@pytest.mark.parametrize("in_memory", [True, False])
def test_a_sent_recording_is_verified_from_what_the_store_returns(
    audio: Path, in_memory: bool
) -> None:
    store = Store()
    outcome = send(cast(Minio, store), job(audio, data=AUDIO if in_memory else None))
    assert outcome.state == UploadState.verified and outcome.version_id == "v0"
    assert outcome.retain_until is not None
    assert store.objects["v0"] == (AUDIO, {"x-amz-meta-sha256": SHA})
    assert store.checksums == [storage.checksum_b64(SHA)]  # the store checked our sha256


def test_only_an_upload_with_our_checksum_skips_the_sdks_second_hash() -> None:
    """The SDK's private header builder is overridden: if a minio release changes it, this
    fails instead of every upload quietly signing (or breaking)."""
    client = storage.VaultClient("127.0.0.1:9", access_key="a", secret_key="b", secure=False)
    creds = client._provider.retrieve() if client._provider else None
    ours, _ = client._build_headers(
        "h", {storage.CHECKSUM_HEADER: storage.checksum_b64(SHA)}, AUDIO, creds
    )
    assert ours["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD" and "Content-MD5" not in ours
    assert ours["Content-Length"] == str(len(AUDIO))
    other, _ = client._build_headers("h", {}, AUDIO, creds)  # any other body: the SDK's own
    assert other["x-amz-content-sha256"] == SHA


@pytest.mark.parametrize("in_memory", [True, False])
def test_stored_bytes_that_differ_are_flagged(audio: Path, in_memory: bool) -> None:
    outcome = send(cast(Minio, Store(flip=True)), job(audio, data=AUDIO if in_memory else None))
    assert outcome.state == UploadState.failed and outcome.version_id == "v0"
    assert outcome.error_text and "read-back sha256" in outcome.error_text


def test_a_file_changed_since_its_hash_was_catalogued_is_not_sent(audio: Path) -> None:
    audio.write_bytes(AUDIO[:-1] + b"!")
    store = Store()
    outcome = send(cast(Minio, store), job(audio, data=None))
    assert outcome.state == UploadState.failed and store.objects == {}
    assert outcome.error_text and "changed after hashing" in outcome.error_text


def test_a_read_back_that_fails_after_the_put_keeps_the_version_for_a_retry(audio: Path) -> None:
    store = Store(get_fails=True)
    outcome = send(cast(Minio, store), job(audio, data=AUDIO))
    assert outcome.state == UploadState.uploaded and outcome.version_id == "v0"
    assert isinstance(outcome.error, ConnectionError)
    store.get_fails = False
    retry = job(audio, data=None, state=UploadState.uploaded)
    retry = Job(**{**retry.__dict__, "ref": retry.ref._replace(version_id="v0")})
    assert send(cast(Minio, store), retry).state == UploadState.verified
