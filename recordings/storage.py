"""S3 adapter (minio SDK). The SDK is synchronous: callers run it in a thread."""

from __future__ import annotations

import urllib3
from minio import Minio

from callcenter.config import Settings


def make_minio(settings: Settings, *, timeout_s: float | None = None) -> Minio:
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
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=urllib3.PoolManager(timeout=timeout, retries=retries),
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
