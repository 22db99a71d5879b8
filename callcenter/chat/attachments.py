"""Files that came with chat messages (e-mail attachments), kept in S3 under chat-attachments/.

Only the types an admin can open safely, and at most `chat_attachment_max_bytes` each; the
rest is refused and the refusal shown in the conversation. Object keys are derived from the
message's id, so storing the same mail again (a crash before it was flagged seen) writes the
same objects, never new ones.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from minio import Minio
from minio.sse import SseS3
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases.attachments import safe_name
from callcenter.chat.email_text import File
from callcenter.chat.models import Attachment, Direction, Message, WebhookEvent

PREFIX = "chat-attachments"
Described = list[dict[str, Any]]  # files as JSON: filename, content_type, size, bucket, key
ALLOWED_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


@dataclass(frozen=True)
class Store:
    s3: Minio
    bucket: str
    max_bytes: int


def refusal(file: File, max_bytes: int) -> str | None:
    """Why `file` is not kept, or None."""
    if file.content_type not in ALLOWED_TYPES:
        return f"type {file.content_type} not accepted"
    if len(file.data) > max_bytes:
        return f"larger than {max_bytes} bytes"
    return None


async def keep(
    store: Store, *, scope: str, files: list[File]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Store the acceptable files of one message: (kept, refused) as JSON-ready dicts."""
    folder = hashlib.sha256(scope.encode()).hexdigest()[:32]
    kept, refused = [], []
    for i, file in enumerate(files):
        about = {"filename": file.filename[:255], "content_type": file.content_type[:255],
                 "size": len(file.data)}  # fmt: skip
        why = refusal(file, store.max_bytes)
        if why is not None:
            refused.append({**about, "why": why})
            continue
        key = f"{PREFIX}/{folder}/{i}-{safe_name(file.filename)}"
        await put(store, key=key, data=file.data, content_type=file.content_type)
        kept.append({**about, "bucket": store.bucket, "key": key})
    return kept, refused


async def put(store: Store, *, key: str, data: bytes, content_type: str) -> None:
    await asyncio.to_thread(
        store.s3.put_object, store.bucket, key, io.BytesIO(data), len(data),
        content_type=content_type, sse=SseS3(),
    )  # fmt: skip


async def read(s3: Minio, bucket: str, key: str) -> bytes:
    def _read() -> bytes:
        response = s3.get_object(bucket, key)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    return await asyncio.to_thread(_read)


@dataclass(frozen=True)
class Wanted:
    """A customer's picture not kept yet: LINE's is fetched by its message id, Messenger's
    from the URLs in its stored webhook event."""

    message_id: int  # the row
    conversation_id: int
    channel: str
    external_id: str  # LINE message id, Messenger mid
    event: dict[str, Any] | None  # Messenger: the stored messaging event


async def pictures_to_fetch(*, session: AsyncSession, limit: int) -> list[Wanted]:
    """Customers' pictures on LINE and Messenger not kept yet, newest first."""
    kept = select(Attachment.id).where(Attachment.message_id == Message.id).exists()
    stmt = (
        select(Message.id, Message.conversation_id, Message.channel, Message.external_id)
        .add_columns(WebhookEvent.body)
        .outerjoin(WebhookEvent, WebhookEvent.id == Message.event_id)
        .where(
            Message.channel.in_(("line", "facebook")), Message.kind == "image",
            Message.direction == Direction.inbound.value, Message.external_id.is_not(None), ~kept,
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [
        Wanted(mid, cid, channel, str(ext), body if channel == "facebook" else None)
        for mid, cid, channel, ext, body in (await session.execute(stmt)).all()
    ]


async def record(*, session: AsyncSession, message_id: int, kept: Described) -> None:
    for f in kept:
        session.add(
            Attachment(
                message_id=message_id, bucket=f["bucket"], object_key=f["key"],
                filename=f["filename"], content_type=f["content_type"], size=f["size"],
            )
        )  # fmt: skip
