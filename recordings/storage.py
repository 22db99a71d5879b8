"""S3 adapter (minio SDK). The SDK is synchronous: callers run it in a thread."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, Filter
from minio.credentials import Credentials
from minio.error import MinioException, S3Error
from minio.helpers import MIN_PART_SIZE
from minio.lifecycleconfig import Expiration, LifecycleConfig, NoncurrentVersionExpiration, Rule
from minio.retention import Retention
from minio.sse import SseS3

from callcenter.config import Settings

S3_CONNECTIONS = 8  # kept-alive connections per client: >= the uploader's workers
CHECKSUM_HEADER = "x-amz-checksum-sha256"
RECORDINGS_PREFIX = "calls/"  # every recording's key; the expiry rule covers only these


class VaultClient(Minio):
    """The minio client, except that an upload carrying our own SHA-256 is hashed once.

    The SDK hashes every body it sends a second time: over plain HTTP it signs the body's
    SHA-256 (SigV4 signed payload), over HTTPS it adds a Content-MD5. An upload that carries
    `x-amz-checksum-sha256` (the hash the uploader took before the upload) needs neither:
    it goes UNSIGNED-PAYLOAD, the store checks the received bytes against that checksum
    (BadDigest otherwise: SeaweedFS, MinIO and AWS all do), and the uploader's read-back
    compares the stored bytes again. Every other request is the SDK's own.
    """

    def _build_headers(
        self,
        host: str,
        headers: dict[str, Any] | None = None,
        body: bytes | None = None,
        creds: Credentials | None = None,
    ) -> tuple[dict[str, Any], datetime]:
        if not body or not headers or not any(k.lower() == CHECKSUM_HEADER for k in headers):
            return super()._build_headers(host, headers, body, creds)
        built, date = super()._build_headers(host, headers, None, creds)
        built["Content-Length"] = str(len(body))
        if creds:
            built["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
        return built, date


def checksum_b64(sha256_hex: str) -> str:
    """The S3 checksum header's form (base64 of the digest) of a hex SHA-256."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def make_minio(
    settings: Settings, *, timeout_s: float | None = None, client: type[Minio] = VaultClient
) -> Minio:
    """A client for the configured S3 endpoint (SeaweedFS locally, MinIO in docker-compose).

    Without `timeout_s`: fail fast on connect, one retry (callers retry on their own
    schedule). With it: every step bounded and no retry (probes of a store starting up).
    """
    if timeout_s is None:
        timeout = urllib3.Timeout(connect=2.0, read=30.0)
        retries = urllib3.Retry(total=1, backoff_factor=0.2)
    else:
        timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
        retries = urllib3.Retry(total=0)
    return client(
        settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
        # one kept-alive connection per S3 thread: urllib3's default pool keeps one and
        # reconnects for every other concurrent request
        http_client=urllib3.PoolManager(timeout=timeout, retries=retries, maxsize=S3_CONNECTIONS),
    )


def bucket_has_object_lock(client: Minio, bucket: str) -> bool:
    """True when the bucket exists with an object lock configuration (False: no such
    bucket, no lock, or the store does not answer)."""
    try:
        return client.get_object_lock_config(bucket) is not None
    except (MinioException, urllib3.exceptions.HTTPError, OSError):
        return False


class ObjectRef(NamedTuple):
    """One stored object version."""

    bucket: str
    key: str
    version_id: str | None


class ChangedFile(Exception):
    """The spool file's bytes differ from the sha256 taken earlier."""


# -- the vault: every call below is synchronous; the uploader runs it in a thread ----------
CHUNK = 1024 * 1024
WHOLE_FILE_MAX = 16 * CHUNK  # larger files are streamed, not held in memory


def sha256_of_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_checked(path: Path, sha256: str) -> bytes | None:
    """The file's bytes, read once, when they still have that sha256 (ChangedFile if not).

    None for a file too large to hold (hours of 16-bit WAV): checked by streaming instead.
    """
    if path.stat().st_size > WHOLE_FILE_MAX:
        data, now = None, sha256_of_file(path)
    else:
        data = path.read_bytes()
        now = hashlib.sha256(data).hexdigest()
    if now != sha256:
        raise ChangedFile(now)
    return data


def put_locked(
    client: Minio,
    *,
    bucket: str,
    key: str,
    path: Path,
    data: bytes | None,
    sha256: str,
    content_type: str,
    retain_until: datetime,
) -> str | None:
    """Upload with sha256 metadata under COMPLIANCE retention; the new version id.

    `data`: the bytes whose sha256 was taken. They go as ONE PUT (the SDK would split a body
    over 5 MiB into parts) carrying `sha256` as the S3 checksum, so the store refuses a body
    changed on the way (BadDigest) before locking it. None: a file too large to hold
    (over WHOLE_FILE_MAX) is streamed from `path` in parts, which carry no whole-object
    checksum; the read-back is then the only check.
    """
    metadata: dict[str, str | list[str] | tuple[str]] = {"sha256": sha256}
    if data is not None:
        stream: BinaryIO = io.BytesIO(data)
        size, part_size = len(data), max(len(data), MIN_PART_SIZE)
        metadata[CHECKSUM_HEADER] = checksum_b64(sha256)
    else:
        stream, size, part_size = path.open("rb"), path.stat().st_size, 0
    with stream:
        result = client.put_object(
            bucket,
            key,
            stream,
            size,
            content_type=content_type,
            metadata=metadata,
            retention=Retention(COMPLIANCE, retain_until),
            part_size=part_size,
            sse=SseS3(),  # encrypted at rest by the store's key (SeaweedFS KEK, MinIO KMS)
        )
    return result.version_id


def read_back(
    client: Minio, ref: ObjectRef, *, original: bytes | None = None, original_sha256: str = ""
) -> tuple[str, str]:
    """(sha256 of the stored bytes, sha256 its metadata claims), from one GET.

    With `original` (the bytes whose sha256 is `original_sha256`): stored bytes equal to
    them have that sha256 by definition, so one byte comparison replaces hashing them.
    """
    response = client.get_object(ref.bucket, ref.key, version_id=ref.version_id)
    try:
        claimed = str(response.headers.get("x-amz-meta-sha256", ""))
        if original is not None:
            stored = response.read()
            same = stored == original
            return (original_sha256 if same else hashlib.sha256(stored).hexdigest()), claimed
        digest = hashlib.sha256()
        while chunk := response.read(CHUNK):
            digest.update(chunk)
    finally:
        response.close()
        response.release_conn()
    return digest.hexdigest(), claimed


def recording_key(day: str, call: str, filename: str) -> str:
    """The object key of a recording: under RECORDINGS_PREFIX, by day, then by call."""
    return f"{RECORDINGS_PREFIX}{day}/{call}/{filename}"


def ensure_lifecycle(client: Minio, *, bucket: str, retention_days: int) -> None:
    """Expire recordings once retention has passed (legal holds still keep them). Only keys
    under RECORDINGS_PREFIX: the bucket may hold other things (case attachments, by default)
    that this rule must never delete."""
    rule = Rule(
        ENABLED,
        rule_filter=Filter(prefix=RECORDINGS_PREFIX),
        rule_id="recordings-retention",
        expiration=Expiration(days=retention_days + 1),
        noncurrent_version_expiration=NoncurrentVersionExpiration(noncurrent_days=1),
    )
    client.set_bucket_lifecycle(bucket, LifecycleConfig([rule]))


def set_legal_hold(client: Minio, ref: ObjectRef, *, on: bool) -> None:
    """Legal hold on or off for one object version."""
    if on:
        client.enable_object_legal_hold(ref.bucket, ref.key, version_id=ref.version_id)
    else:
        client.disable_object_legal_hold(ref.bucket, ref.key, version_id=ref.version_id)


def object_exists(client: Minio, ref: ObjectRef) -> bool:
    """True when the store still holds that version."""
    try:
        client.stat_object(ref.bucket, ref.key, version_id=ref.version_id)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchVersion", "NoSuchObject"):
            return False
        raise
    return True


def read_object(client: Minio, ref: ObjectRef) -> bytes:
    """The whole object version (recordings are small: ~190 kB per minute of Ogg Vorbis)."""
    response = client.get_object(ref.bucket, ref.key, version_id=ref.version_id)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()
