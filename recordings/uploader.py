"""Spool → S3: hash, catalogue, upload under COMPLIANCE retention, read back, then delete.

Every S3 and file step runs in a worker thread (the minio SDK is synchronous), so call
handling never waits on the store. The database row is the state machine:
hashed → uploaded → verified; a mismatch at any point sets `failed` and keeps the file.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from minio import Minio
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import Background
from callcenter.config import Settings
from callcenter.db import transaction
from recordings import service, spool, storage
from recordings.models import Recording, UploadState

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0
MIN_AUDIO_BYTES = 100


class Uploader(Background):
    """Watches the spool and moves every finished recording into the locked bucket."""

    task_name = "recordings-uploader"

    def __init__(
        self,
        *,
        s3: Minio,
        sessions: async_sessionmaker[AsyncSession],
        spool_dir: Path,
        bucket: str,
        retention_days: int,
        scan_s: float = 2.0,
        workers: int = 4,
        orphan_after_s: float | None = None,
    ) -> None:
        self._s3, self._sessions = s3, sessions
        self.spool_dir, self.bucket = spool_dir, bucket
        self.retention_days, self.scan_s = retention_days, scan_s
        self.workers = workers  # recordings in flight at once (threads: S3 and hashing)
        self.orphan_after_s = orphan_after_s
        self.failures = 0  # consecutive rounds that hit an error (S3 or DB down)
        self.last_error: str | None = None
        self._lifecycle_set = False

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
                self.failures, self.last_error = 0, None
                delay = self.scan_s
            except Exception as exc:  # S3 or DB unavailable: back off, the files wait
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                delay = min(self.scan_s * 2**self.failures, MAX_BACKOFF_S)
                log.warning("recordings upload failed (%s); retry in %.0f s", exc, delay)
            await asyncio.sleep(delay)

    async def run_once(self) -> int:
        """One pass over the spool; how many recordings reached `verified`."""
        if not self._lifecycle_set:
            await asyncio.to_thread(
                storage.ensure_lifecycle,
                self._s3,
                bucket=self.bucket,
                retention_days=self.retention_days,
            )
            self._lifecycle_set = True
        items = await asyncio.to_thread(
            spool.finished, self.spool_dir, orphan_after_s=self.orphan_after_s
        )
        async with self._sessions() as session:
            known = await service.by_uniqueids(session=session, ids=[i.uniqueid for i in items])
        gate = asyncio.Semaphore(self.workers)

        async def one(item: spool.SpoolItem) -> bool:
            async with gate:
                with spool.claim(item) as mine:
                    if not mine:
                        return False
                    state = await self.process(item, row=known.get(item.uniqueid))
                    return state == UploadState.verified

        results = await asyncio.gather(*(one(i) for i in items), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]  # back off; the rest of this round is done or will be retried
        return sum(1 for r in results if r is True)

    async def process(self, item: spool.SpoolItem, *, row: Recording | None = None) -> str:
        """Advance one recording as far as it goes; its upload state afterwards."""
        row = row or await self.hash_step(item)
        if row is None:
            return UploadState.empty
        if row.upload_state == UploadState.hashed:
            row = await self._upload(item, row)
        if row.upload_state == UploadState.uploaded:
            row = await self._verify(row)
        if row.upload_state == UploadState.verified:
            await asyncio.to_thread(item.remove)
        return row.upload_state

    async def hash_step(self, item: spool.SpoolItem) -> Recording | None:
        """The catalogue row, created with the file's sha256 on first sight (None: no audio)."""
        async with self._sessions() as session:
            row = await service.by_uniqueid(session=session, uniqueid=item.uniqueid)
        if row is not None:
            return row
        path = item.audio_path
        size = path.stat().st_size if path.exists() else 0
        sha, duration = await asyncio.to_thread(_hash_and_measure, path) if size else ("", 0.0)
        if size < MIN_AUDIO_BYTES or duration <= 0:  # never bridged: headers without audio
            await asyncio.to_thread(item.remove)
            return None
        row = self._new_row(item, size=size, sha=sha)
        row.duration_s = duration
        async with transaction(self._sessions) as session:
            session.add(row)
        return row

    def _new_row(self, item: spool.SpoolItem, *, size: int, sha: str) -> Recording:
        f = item.fields
        started = item.epoch("started") or datetime.now(UTC)
        key = f"{started:%Y/%m/%d}/{f.get('linkedid') or item.uniqueid}/{item.audio_path.name}"
        return Recording(
            uniqueid=item.uniqueid, linkedid=f.get("linkedid") or item.uniqueid,
            kind=f.get("kind", "queue"), queue=f.get("queue", ""), agent=f.get("agent", ""),
            member=f.get("member", ""), caller=f.get("caller", ""), started_at=started,
            ended_at=item.epoch("ended"), codec=item.codec, size_bytes=size, sha256=sha,
            bucket=self.bucket, object_key=key, legal_hold=False,
            upload_state=UploadState.hashed,
        )  # fmt: skip

    async def _upload(self, item: spool.SpoolItem, row: Recording) -> Recording:
        retain_until = datetime.now(UTC) + timedelta(days=self.retention_days)
        try:
            version = await asyncio.to_thread(
                storage.put_locked,
                self._s3,
                bucket=row.bucket,
                key=row.object_key,
                path=item.audio_path,
                sha256=row.sha256,
                content_type=item.content_type,
                retain_until=retain_until,
            )
        except storage.ChangedFile as exc:
            return await self._fail(row, f"spool file changed after hashing (now {exc})")
        stored = {"version_id": version, "retain_until": retain_until}
        try:
            return await self._verify(row, **stored)
        except Exception:
            await self._update(row, upload_state=UploadState.uploaded, **stored)
            raise

    async def _verify(self, row: Recording, **stored: object) -> Recording:
        """Read the version back; one catalogue write for the outcome (with `stored` news)."""
        version = stored.get("version_id", row.version_id)
        ref = storage.ObjectRef(row.bucket, row.object_key, str(version) if version else None)
        got, claimed = await asyncio.to_thread(storage.read_back, self._s3, ref)
        if got != row.sha256 or claimed != row.sha256:
            return await self._fail(row, f"read-back sha256 {got}, metadata {claimed}", **stored)
        return await self._update(row, upload_state=UploadState.verified, error=None, **stored)

    async def _fail(self, row: Recording, error: str, **stored: object) -> Recording:
        log.error("recording %s kept in the spool: %s", row.uniqueid, error)
        return await self._update(row, upload_state=UploadState.failed, error=error, **stored)

    async def _update(self, row: Recording, **values: object) -> Recording:
        async with transaction(self._sessions) as session:
            statement = (
                update(Recording)
                .where(Recording.id == row.id)
                .values(**values)
                .returning(Recording)
            )
            fresh: Recording = (await session.scalars(statement)).one()
        return fresh


def _hash_and_measure(path: Path) -> tuple[str, float]:
    return storage.sha256_of_file(path), spool.duration_s(path)


def build_uploader(
    *, settings: Settings, s3: Minio, sessions: async_sessionmaker[AsyncSession]
) -> Uploader | None:
    """The service's uploader over the configured spool (None when switched off)."""
    if not settings.recordings_upload:
        return None
    return Uploader(
        s3=s3,
        sessions=sessions,
        spool_dir=settings.spool_path,
        bucket=settings.s3_bucket,
        retention_days=settings.retention_days,
        scan_s=settings.recordings_scan_s,
        orphan_after_s=settings.recordings_orphan_after_s,
    )
