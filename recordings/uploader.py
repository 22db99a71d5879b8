"""Spool → S3: hash, catalogue, upload under COMPLIANCE retention, read back, then delete.

The database row is the state machine: hashed → uploaded → verified; a mismatch at any
point sets `failed` and keeps the file. A round works in batches so the event loop does a
few database statements per batch, not per file:

1. one query for the batch's known rows;
2. new files hashed in the worker threads, then ONE insert of their `hashed` rows (the
   sha256 is in the catalogue before any byte leaves);
3. per file ONE worker-thread call: put the very bytes hashed in step 2 (a file hashed in
   an earlier round is read again and must still match its catalogued sha256) with
   COMPLIANCE retention and sha256 metadata, read the version back and compare it;
4. ONE update with every outcome; then the verified files leave the spool.

Every S3 and file step runs in the uploader's own thread pool (the minio SDK is
synchronous), sized to the S3 concurrency, so call handling never waits on the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from minio import Minio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import Background
from callcenter.config import Settings
from callcenter.db import transaction
from recordings import completeness, service, spool, storage
from recordings.models import Recording, UploadState
from recordings.transfer import Job, Outcome, measure, send

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0
MIN_AUDIO_BYTES = 100
BATCH = 64  # files per database round trip (a long outage leaves thousands in the spool)
KEEP_BYTES = 64 * 1024 * 1024  # a batch's hashed bytes held for sending, at most
PENDING = (UploadState.hashed, UploadState.uploaded)
T = TypeVar("T")


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
        incomplete_tolerance_s: float = 3.0,
    ) -> None:
        self._s3, self._sessions = s3, sessions
        self.spool_dir, self.bucket = spool_dir, bucket
        self.retention_days, self.scan_s = retention_days, scan_s
        self.workers = min(workers, storage.S3_CONNECTIONS)  # recordings in flight at once
        self.orphan_after_s = orphan_after_s
        self.incomplete_tolerance_s = incomplete_tolerance_s
        self.failures = 0  # consecutive rounds that hit an error (S3 or DB down)
        self.last_error: str | None = None
        self._lifecycle_set = False
        self._pool: ThreadPoolExecutor | None = None

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

    async def _stopped(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _in_thread(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run blocking S3/file work in the uploader's pool (one thread per S3 connection)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="recordings")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def run_once(self) -> int:
        """One pass over the spool; how many recordings reached `verified`."""
        if not self._lifecycle_set:
            await self._in_thread(
                storage.ensure_lifecycle,
                self._s3,
                bucket=self.bucket,
                retention_days=self.retention_days,
            )
            self._lifecycle_set = True
        items = await self._in_thread(
            spool.finished, self.spool_dir, orphan_after_s=self.orphan_after_s
        )
        verified = 0
        for start in range(0, len(items), BATCH):
            with contextlib.ExitStack() as claims:  # other uploaders skip what we hold
                batch = items[start : start + BATCH]
                mine = [i for i in batch if claims.enter_context(spool.claim(i))]
                states = await self.advance(mine, known=await self._known(mine))
            verified += sum(1 for s in states.values() if s == UploadState.verified)
        await self.check_complete()
        return verified

    async def check_complete(self) -> list[completeness.Checked]:
        """Recent recordings against their calls' talk times (flags the short ones)."""
        async with transaction(self._sessions) as session:
            return await completeness.check(
                session=session, tolerance_s=self.incomplete_tolerance_s, now=datetime.now(UTC)
            )

    async def process(self, item: spool.SpoolItem, *, row: Recording | None = None) -> str:
        """Advance one recording as far as it goes; its upload state afterwards."""
        known = {item.uniqueid: row} if row else await self._known([item])
        return (await self.advance([item], known=known))[item.uniqueid]

    async def hash_step(self, item: spool.SpoolItem) -> Recording | None:
        """The catalogue row, created with the file's sha256 on first sight (None: no audio)."""
        known = await self._known([item])
        if item.uniqueid in known:
            return known[item.uniqueid]
        rows, _ = await self._hash_new([item])
        return rows.get(item.uniqueid)

    async def advance(
        self, items: list[spool.SpoolItem], *, known: dict[str, Recording]
    ) -> dict[str, str]:
        """Every item as far as it goes; uniqueid → upload state. Errors are raised after
        the outcomes that did arrive are stored (the round backs off, the rest waits)."""
        rows = dict(known)
        new, hashed = await self._hash_new([i for i in items if i.uniqueid not in known])
        rows.update(new)
        todo = [(i, r) for i in items if (r := rows.get(i.uniqueid)) and r.upload_state in PENDING]
        results = await asyncio.gather(
            *(
                self._in_thread(send, self._s3, self._job(i, r, hashed.get(i.uniqueid)))
                for i, r in todo
            ),
            return_exceptions=True,
        )
        outcomes = [
            (r, o) for (_, r), o in zip(todo, results, strict=True) if isinstance(o, Outcome)
        ]
        states = {u: r.upload_state for u, r in rows.items()}
        states |= await self._store(outcomes)
        done = [i for i in items if states.get(i.uniqueid) == UploadState.verified]
        if done:
            await self._in_thread(_remove_all, done)
        errors = [o for o in results if isinstance(o, BaseException)]
        errors += [o.error for _, o in outcomes if o.error is not None]
        if errors:
            raise errors[0]
        return {i.uniqueid: states.get(i.uniqueid, UploadState.empty) for i in items}

    async def _known(self, items: list[spool.SpoolItem]) -> dict[str, Recording]:
        if not items:
            return {}
        async with self._sessions() as session:
            return await service.by_uniqueids(session=session, ids=[i.uniqueid for i in items])

    async def _hash_new(
        self, items: list[spool.SpoolItem]
    ) -> tuple[dict[str, Recording], dict[str, bytes]]:
        """sha256 and duration of new files, then one insert of their `hashed` rows; with
        the bytes hashed (up to KEEP_BYTES of them), which are sent as they are."""
        measured = await asyncio.gather(*(self._in_thread(measure, i.audio_path) for i in items))
        rows: list[Recording] = []
        empty: list[spool.SpoolItem] = []
        hashed: dict[str, bytes] = {}
        budget = KEEP_BYTES
        for item, m in zip(items, measured, strict=True):
            if m.size < MIN_AUDIO_BYTES or m.duration_s <= 0:  # never bridged: no audio
                empty.append(item)
                continue
            rows.append(self._new_row(item, size=m.size, sha=m.sha256, duration=m.duration_s))
            if m.data is not None and len(m.data) <= budget:  # else read again to send
                hashed[item.uniqueid], budget = m.data, budget - len(m.data)
        if empty:
            await self._in_thread(_remove_all, empty)
        if rows:
            async with transaction(self._sessions) as session:
                await service.add_all(session=session, rows=rows)
        return {r.uniqueid: r for r in rows}, hashed

    def _new_row(self, item: spool.SpoolItem, *, size: int, sha: str, duration: float) -> Recording:
        f = item.fields
        started = item.epoch("started") or datetime.now(UTC)
        key = storage.recording_key(
            f"{started:%Y/%m/%d}", f.get("linkedid") or item.uniqueid, item.audio_path.name
        )
        return Recording(
            uniqueid=item.uniqueid, linkedid=f.get("linkedid") or item.uniqueid,
            kind=f.get("kind", "queue"), queue=f.get("queue", ""), agent=f.get("agent", ""),
            member=f.get("member", ""), caller=f.get("caller", ""), started_at=started,
            ended_at=item.epoch("ended"), duration_s=duration, codec=item.codec,
            size_bytes=size, sha256=sha, bucket=self.bucket, object_key=key,
            legal_hold=False, upload_state=UploadState.hashed,
        )  # fmt: skip

    def _job(self, item: spool.SpoolItem, row: Recording, data: bytes | None) -> Job:
        return Job(
            path=item.audio_path, content_type=item.content_type, state=row.upload_state,
            sha256=row.sha256, ref=storage.ObjectRef(row.bucket, row.object_key, row.version_id),
            retain_until=row.retain_until, retention_days=self.retention_days,
            data=data,
        )  # fmt: skip

    async def _store(self, outcomes: list[tuple[Recording, Outcome]]) -> dict[str, str]:
        """One statement for every outcome of the batch; uniqueid → new state."""
        if not outcomes:
            return {}
        for row, outcome in outcomes:
            if outcome.state == UploadState.failed:
                log.error("recording %s kept in the spool: %s", row.uniqueid, outcome.error_text)
        async with transaction(self._sessions) as session:
            await service.set_outcomes(
                session=session, values=[{"id": r.id, **o.values()} for r, o in outcomes]
            )
        return {r.uniqueid: o.state for r, o in outcomes}


def _remove_all(items: list[spool.SpoolItem]) -> None:
    for item in items:
        item.remove()


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
        incomplete_tolerance_s=settings.recordings_incomplete_tolerance_s,
    )
