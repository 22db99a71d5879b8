"""Uploaded prompt recordings in S3: `ivr-prompts/<lang>/<id>.wav` (the sync minio SDK)."""

from __future__ import annotations

import io

from minio import Minio
from minio.error import S3Error
from minio.sse import SseS3

from callcenter.config import Settings

PREFIX = "ivr-prompts"


def bucket(settings: Settings) -> str:
    """A bucket of its own when configured, else the recordings bucket (under PREFIX)."""
    return settings.prompts_bucket or settings.s3_bucket


def key(prompt_id: str, language: str) -> str:
    return f"{PREFIX}/{language}/{prompt_id}.wav"


def put(s3: Minio, settings: Settings, prompt_id: str, language: str, wav: bytes) -> str:
    """Store one uploaded recording (a newer upload replaces the older); its key."""
    name = key(prompt_id, language)
    s3.put_object(
        bucket(settings), name, io.BytesIO(wav), len(wav), content_type="audio/wav", sse=SseS3()
    )
    return name


def uploaded(s3: Minio, settings: Settings) -> set[tuple[str, str]]:
    """(prompt id, language) of every uploaded recording."""
    found = set()
    for obj in s3.list_objects(bucket(settings), prefix=f"{PREFIX}/", recursive=True):
        parts = str(obj.object_name).split("/")
        if len(parts) == 3 and parts[2].endswith(".wav"):
            found.add((parts[2].removesuffix(".wav"), parts[1]))
    return found


def get(s3: Minio, settings: Settings, prompt_id: str, language: str) -> bytes | None:
    try:
        response = s3.get_object(bucket(settings), key(prompt_id, language))
    except S3Error as exc:
        if exc.code == "NoSuchKey":
            return None
        raise
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()
