"""One recording's S3 work in one worker-thread call: put, read back, compare.

Synchronous on purpose: the uploader runs each call in its own thread pool, so a file
costs the event loop one hop instead of one per step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from minio import Minio
from minio.error import S3Error

from recordings import spool, storage
from recordings.models import UploadState

# the store's answer when the bytes it received do not match our checksum header
DIGEST_REFUSED = frozenset({"BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest"})


@dataclass(frozen=True)
class Job:
    """What a worker needs from the catalogue row (no ORM object crosses threads)."""

    path: Path
    content_type: str
    state: str  # hashed: put then read back; uploaded: read back only
    sha256: str
    ref: storage.ObjectRef
    retain_until: datetime | None
    retention_days: int
    data: bytes | None = None  # the bytes hashed this round (sent as they are)


@dataclass(frozen=True)
class Outcome:
    """The row's new columns; `error` set when S3 failed after the put (store, then retry)."""

    state: str
    version_id: str | None
    retain_until: datetime | None
    error_text: str | None = None
    error: Exception | None = None

    def values(self) -> dict[str, object]:
        return {
            "upload_state": self.state,
            "error": self.error_text,
            "version_id": self.version_id,
            "retain_until": self.retain_until,
        }


@dataclass(frozen=True)
class Measured:
    """A spool file on first sight; `data` are the very bytes hashed (None: too large)."""

    size: int
    sha256: str
    duration_s: float
    data: bytes | None


def measure(path: Path) -> Measured:
    """Size, sha256 and seconds of audio of a spool file, read once; size 0 when it is gone."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if 0 < size <= storage.WHOLE_FILE_MAX else None
    except OSError:
        return Measured(0, "", 0.0, None)
    if data is not None:
        return Measured(len(data), hashlib.sha256(data).hexdigest(), spool.duration_of(data), data)
    if not size:
        return Measured(0, "", 0.0, None)
    return Measured(size, storage.sha256_of_file(path), spool.duration_s(path), None)


def send(client: Minio, job: Job) -> Outcome:
    """Put (when not yet stored) under COMPLIANCE retention, then read back and compare."""
    ref, retain_until, data = job.ref, job.retain_until, job.data
    if job.state == UploadState.hashed:
        retain_until = datetime.now(UTC) + timedelta(days=job.retention_days)
        try:
            if data is None:  # hashed in an earlier round: the file must still match
                data = storage.read_checked(job.path, job.sha256)
        except storage.ChangedFile as exc:
            text = f"spool file changed after hashing (now {exc})"
            return Outcome(UploadState.failed, None, None, error_text=text)
        try:
            version = storage.put_locked(
                client, bucket=ref.bucket, key=ref.key, path=job.path, data=data,
                sha256=job.sha256, content_type=job.content_type, retain_until=retain_until,
            )  # fmt: skip
        except S3Error as exc:
            if exc.code not in DIGEST_REFUSED:
                raise
            text = f"the store refused the bytes: they differ from the sha256 taken ({exc.code})"
            return Outcome(UploadState.failed, None, None, error_text=text)
        ref = ref._replace(version_id=version)
    try:
        got, claimed = storage.read_back(client, ref, original=data, original_sha256=job.sha256)
    except Exception as exc:
        if job.state != UploadState.hashed:
            raise
        return Outcome(UploadState.uploaded, ref.version_id, retain_until, error=exc)
    if got != job.sha256 or claimed != job.sha256:
        text = f"read-back sha256 {got}, metadata {claimed}"
        return Outcome(UploadState.failed, ref.version_id, retain_until, error_text=text)
    return Outcome(UploadState.verified, ref.version_id, retain_until)
