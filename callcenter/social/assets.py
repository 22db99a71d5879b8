"""Content calendar files in S3: `social-assets/<content id>/<uuid>-<name>` (the minio SDK).

A bucket of its own when `social_assets_bucket` is set, else the recordings bucket under
the prefix (like the IVR prompts). LINE fetches a broadcast image from a presigned URL.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

from minio import Minio
from minio.sse import SseS3

from callcenter.config import Settings

PREFIX = "social-assets"
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def bucket(settings: Settings) -> str:
    return settings.social_assets_bucket or settings.s3_bucket


def put(
    s3: Minio, settings: Settings, content_id: int, name: str, content_type: str, data: bytes
) -> str:
    key = f"{PREFIX}/{content_id}/{uuid.uuid4().hex[:12]}-{UNSAFE.sub('_', name)[-120:]}"
    s3.put_object(bucket(settings), key, io.BytesIO(data), len(data), content_type=content_type,
                  sse=SseS3())  # fmt: skip
    return key


def get(s3: Minio, settings: Settings, key: str) -> bytes:
    response = s3.get_object(bucket(settings), key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def url(s3: Minio, settings: Settings, key: str) -> str:
    """A link LINE can fetch the picture from for a week."""
    return s3.presigned_get_object(bucket(settings), key, expires=timedelta(days=7))
