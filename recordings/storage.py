"""S3 adapter (minio SDK). The SDK is synchronous: callers run it in a thread."""

from __future__ import annotations

import urllib3
from minio import Minio

from callcenter.config import Settings


def make_minio(settings: Settings) -> Minio:
    """A client for the configured S3 endpoint (SeaweedFS locally, MinIO in docker-compose)."""
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
        # Fail fast when the store is down: callers retry on their own schedule.
        http_client=urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=2.0, read=30.0),
            retries=urllib3.Retry(total=1, backoff_factor=0.2),
        ),
    )


def bucket_has_object_lock(client: Minio, bucket: str) -> bool:
    """True when the bucket exists and was created with object lock."""
    if not client.bucket_exists(bucket):
        return False
    try:
        config = client.get_object_lock_config(bucket)
    except Exception:
        return False
    return config is not None
