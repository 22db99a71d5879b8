"""Case attachments in S3 (the sync minio SDK runs in a thread)."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import uuid
from datetime import UTC, datetime

from minio import Minio
from minio.sse import SseS3
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import audit
from callcenter.cases.errors import AttachmentTypeInvalid
from callcenter.cases.models import Attachment, Case
from callcenter.config import Settings
from callcenter.errors import NotFound
from callcenter.users.models import User

log = logging.getLogger(__name__)

PREFIX = "case-attachments"
_UNSAFE = re.compile(r"[^\w.\-]+")
# type/subtype and optional parameters, printable ASCII, as long as the column (255)
_MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(\s*;[\x20-\x7e]*)?", re.ASCII)
MAX_TYPE_LENGTH = 255


def check_content_type(content_type: str) -> str:
    """The upload's media type, or AttachmentTypeInvalid (before anything is stored)."""
    if len(content_type) > MAX_TYPE_LENGTH or not _MEDIA_TYPE.fullmatch(content_type):
        raise AttachmentTypeInvalid(
            "Content-Type must be a media type such as image/png, at most 255 characters. / "
            "Content-Type ต้องเป็นชนิดไฟล์ เช่น image/png ยาวไม่เกิน 255 ตัวอักษร",
            length=len(content_type),
        )
    return content_type


def bucket(settings: Settings) -> str:
    """A bucket of its own when configured, else the recordings bucket (under PREFIX)."""
    return settings.case_attachments_bucket or settings.s3_bucket


def safe_name(filename: str) -> str:
    """A file name fit for an object key (Thai letters are word characters and stay)."""
    name = _UNSAFE.sub("_", filename.strip().rsplit("/", 1)[-1]).strip("._")
    return (name or "file")[:120]


async def upload(
    *,
    session: AsyncSession,
    s3: Minio,
    settings: Settings,
    case: Case,
    user: User,
    filename: str,
    content_type: str,
    data: bytes,
) -> Attachment:
    """Store the file, then its row and an audit entry."""
    now = datetime.now(UTC)
    name = safe_name(filename)
    key = f"{PREFIX}/{case.id}/{uuid.uuid4().hex}/{name}"
    target = bucket(settings)
    await asyncio.to_thread(
        s3.put_object,
        target,
        key,
        io.BytesIO(data),
        len(data),
        content_type=content_type,
        sse=SseS3(),  # encrypted at rest, like recordings
    )
    attachment = Attachment(
        case_id=case.id, bucket=target, object_key=key, filename=filename.strip()[:255] or name,
        content_type=content_type, size=len(data), uploaded_by_user_id=user.id, uploaded_at=now,
    )  # fmt: skip
    session.add(attachment)
    try:
        await session.flush()
    except BaseException:
        # No row, no object: the bytes of a refused upload do not stay in the store.
        await asyncio.to_thread(_remove_quietly, s3, target, key)
        raise
    field = f"attachment:{attachment.id}"
    audit.record(
        session=session, case_id=case.id, user=user, at=now, field=field, old=None,
        new=attachment.filename,
    )  # fmt: skip
    return attachment


async def get(*, session: AsyncSession, case: Case, attachment_id: int) -> Attachment:
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(f"no attachment {attachment_id} on case {case.id}")
    return attachment


async def download(*, s3: Minio, attachment: Attachment) -> bytes:
    """The stored bytes (attachments are bounded by case_attachment_max_bytes)."""
    return await asyncio.to_thread(_read, s3, attachment.bucket, attachment.object_key)


def _remove_quietly(s3: Minio, bucket: str, key: str) -> None:
    try:
        s3.remove_object(bucket, key)
    except Exception:  # the row's error is the one to report
        log.warning("could not remove the orphan attachment object %s/%s", bucket, key)


def _read(s3: Minio, bucket: str, key: str) -> bytes:
    # Straight through the client, like `upload`: cases stay independent of the recordings
    # package, whose catalogue reads case_calls (the two imported each other).
    response = s3.get_object(bucket, key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()
