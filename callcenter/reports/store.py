"""Packs in S3: a bucket of their own with versioning on (a rebuilt pack is a new version of
the same key; the recordings' bucket and its retention lock are not involved)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from minio import Minio
from minio.versioningconfig import ENABLED, VersioningConfig

from callcenter.reports.build import Pack


class PackStore:
    def __init__(self, *, s3: Minio, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket
        self._ready = False  # the bucket was found or made, with versioning on

    async def ensure(self) -> None:
        await asyncio.to_thread(self._ensure)

    def _ensure(self) -> None:
        """The bucket with versioning on. Done before the first upload, not at start: the
        service starts (and takes calls) while S3 is down."""
        if self._ready:
            return
        if not self.s3.bucket_exists(self.bucket):
            self.s3.make_bucket(self.bucket)
        if self.s3.get_bucket_versioning(self.bucket).status != ENABLED:
            self.s3.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
        self._ready = True

    async def put(self, pack: Pack) -> list[dict[str, Any]]:
        """Upload every file; their catalogue entries (key, version, sha256, size, type)."""
        return await asyncio.to_thread(self._put, pack)

    def _put(self, pack: Pack) -> list[dict[str, Any]]:
        self._ensure()
        out = []
        for f in pack.files:
            key = f"{pack.period.kind.value}/{pack.period.name}/{pack.lang}/{f.name}"
            result = self.s3.put_object(
                self.bucket, key, io.BytesIO(f.content), len(f.content),
                content_type=f.content_type, metadata={"sha256": f.sha256},
            )  # fmt: skip
            out.append(
                {"name": f.name, "key": key, "version_id": result.version_id, "sha256": f.sha256,
                 "size": len(f.content), "content_type": f.content_type}
            )  # fmt: skip
        return out

    async def get(self, key: str, version_id: str | None) -> bytes:
        return await asyncio.to_thread(self._get, key, version_id)

    def _get(self, key: str, version_id: str | None) -> bytes:
        response = self.s3.get_object(self.bucket, key, version_id=version_id)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()
