"""Broadcasts: a warning to every LINE friend (broadcast) or to tagged customers (multicast).

Composed as a draft (text, an optional image kept in S3 and served to LINE at
/public/chat/images/{token}), then scheduled (now or later: the desk's APScheduler wakes it
at its time, and a sweep catches any missed). Sending plans every platform request first,
each with its X-Line-Retry-Key, and stores the plan before the first call: a retry after a
crash or a lost answer reuses the key, so LINE never sends it twice. Every step is written
to the audit log (actions chat_broadcast_*).

`compose` + `schedule` are what other modules call (the social desk will publish through
them); functions take the session keyword-only and never commit.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.chat.errors import BroadcastNotEditable
from callcenter.chat.models import Broadcast, BroadcastStatus, CustomerTag
from callcenter.errors import InvalidInput, NotFound
from recordings import service as audit_log

LINE = "line"
MULTICAST_MAX = 500  # user ids per multicast request
IMAGE_TYPES = ("image/jpeg", "image/png")  # what LINE's image message takes
IMAGE_MAX_BYTES = 10 * 1024 * 1024
SYSTEM = "system"


async def audit(
    session: AsyncSession, action: str, b: Broadcast, *, who: str, user_id: int | None,
    role: str, **detail: Any,
) -> None:  # fmt: skip
    """One row of the audit log (action chat_broadcast_<action>)."""
    await audit_log.audit(
        session=session, user_id=user_id, username=who[:64], role=role[:16],
        action=f"chat_broadcast_{action}",
        detail={"broadcast_id": b.id, "audience": b.audience, "tags": b.tags, **detail},
    )  # fmt: skip


async def compose(
    *,
    session: AsyncSession,
    text: str,
    tags: list[str],
    who: str,
    user_id: int | None,
    role: str,
    now: datetime,
) -> Broadcast:
    """A draft to all friends (no tags) or to the customers with any of `tags`."""
    clean = sorted({t.strip() for t in tags if t.strip()})
    row = Broadcast(
        text=text, audience="tags" if clean else "all", tags=clean, status=BroadcastStatus.draft,
        requests=[], created_by_user_id=user_id, created_by=who[:64], created_at=now,
        last_error="",
    )  # fmt: skip
    session.add(row)
    await session.flush()
    await audit(session, "composed", row, who=who, user_id=user_id, role=role, text=text[:200])
    return row


async def get(*, session: AsyncSession, broadcast_id: int, lock: bool = False) -> Broadcast:
    stmt = select(Broadcast).where(Broadcast.id == broadcast_id)
    found = await session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(
            f"ไม่พบประกาศ {broadcast_id} / no broadcast {broadcast_id}", broadcast_id=broadcast_id
        )
    return found


def _editable(b: Broadcast) -> None:
    if b.status != BroadcastStatus.draft:
        raise BroadcastNotEditable(
            f"ประกาศนี้{b.status}แล้ว แก้ไขไม่ได้ / the broadcast is {b.status}, not a draft",
            status=b.status,
        )


def check_image(content_type: str, size: int) -> None:
    if content_type not in IMAGE_TYPES:
        raise InvalidInput(
            "รูปต้องเป็น JPEG หรือ PNG / the image must be JPEG or PNG", content_type=content_type
        )
    if not 0 < size <= IMAGE_MAX_BYTES:
        raise InvalidInput(
            "รูปใหญ่เกิน 10 MB / the image must be 1 byte to 10 MB", size=size
        )  # fmt: skip


def attach_image(b: Broadcast, *, bucket: str, key: str, content_type: str) -> None:
    """The draft's image, stored in S3 by the caller; LINE fetches it by its token."""
    _editable(b)
    b.image_bucket, b.image_key, b.image_type = bucket, key, content_type
    b.image_token = secrets.token_urlsafe(24)


async def schedule(
    *,
    session: AsyncSession,
    b: Broadcast,
    at: datetime,
    who: str,
    user_id: int | None,
    role: str,
) -> None:
    """The draft goes out at `at` (now or later)."""
    _editable(b)
    b.status, b.send_at = BroadcastStatus.scheduled, at
    await audit(session, "scheduled", b, who=who, user_id=user_id, role=role, at=at.isoformat())


async def cancel(
    *, session: AsyncSession, b: Broadcast, who: str, user_id: int | None, role: str
) -> None:
    if b.status not in (BroadcastStatus.draft, BroadcastStatus.scheduled):
        raise BroadcastNotEditable(
            f"ประกาศนี้{b.status}แล้ว ยกเลิกไม่ได้ / the broadcast is {b.status}: too late",
            status=b.status,
        )
    b.status = BroadcastStatus.cancelled
    await audit(session, "cancelled", b, who=who, user_id=user_id, role=role)


def messages(b: Broadcast, public_url: str) -> list[dict[str, Any]]:
    """The LINE message objects: the text, then the image (when there is one)."""
    out: list[dict[str, Any]] = [{"type": "text", "text": b.text}]
    if b.image_token:
        url = f"{public_url.rstrip('/')}/public/chat/images/{b.image_token}"
        out.append({"type": "image", "originalContentUrl": url, "previewImageUrl": url})
    return out


async def plan(*, session: AsyncSession, b: Broadcast) -> None:
    """Every request of the send, each with its retry key (stored before the first call)."""
    if b.audience == "all":
        b.requests = [{"retry_key": str(uuid.uuid4()), "to": None, "status": "pending"}]
        return
    stmt = (
        select(CustomerTag.customer_id)
        .where(CustomerTag.channel == LINE, CustomerTag.tag.in_(b.tags))
        .distinct()
        .order_by(CustomerTag.customer_id)
    )
    ids = list((await session.scalars(stmt)).all())
    b.recipients = len(ids)
    b.requests = [
        {"retry_key": str(uuid.uuid4()), "to": ids[i : i + MULTICAST_MAX], "status": "pending"}
        for i in range(0, len(ids), MULTICAST_MAX)
    ]


async def due(*, session: AsyncSession, now: datetime) -> list[int]:
    """Broadcasts whose time has come and that are not finished."""
    stmt = select(Broadcast.id).where(
        Broadcast.status.in_((BroadcastStatus.scheduled, BroadcastStatus.sending)),
        Broadcast.send_at <= now,
    )
    return list((await session.scalars(stmt)).all())


async def tag(
    *, session: AsyncSession, channel: str, customer_id: str, tag: str, user_id: int, now: datetime
) -> None:
    exists = await session.scalar(
        select(CustomerTag.id).where(
            CustomerTag.channel == channel, CustomerTag.customer_id == customer_id,
            CustomerTag.tag == tag,
        )
    )  # fmt: skip
    if exists is None:
        session.add(CustomerTag(channel=channel, customer_id=customer_id, tag=tag,
                                tagged_by_user_id=user_id, tagged_at=now))  # fmt: skip


async def untag(*, session: AsyncSession, channel: str, customer_id: str, tag: str) -> None:
    stmt = select(CustomerTag).where(
        CustomerTag.channel == channel, CustomerTag.customer_id == customer_id,
        CustomerTag.tag == tag,
    )  # fmt: skip
    found = await session.scalar(stmt)
    if found is not None:
        await session.delete(found)


async def tags_of(*, session: AsyncSession, channel: str, customer_id: str) -> list[str]:
    stmt = (
        select(CustomerTag.tag)
        .where(CustomerTag.channel == channel, CustomerTag.customer_id == customer_id)
        .order_by(CustomerTag.tag)
    )
    return list((await session.scalars(stmt)).all())


async def image_of(*, session: AsyncSession, token: str) -> Broadcast | None:
    """The broadcast whose image LINE asks for (not a cancelled one)."""
    stmt = select(Broadcast).where(
        Broadcast.image_token == token, Broadcast.status != BroadcastStatus.cancelled
    )
    return await session.scalar(stmt)


def out(b: Broadcast) -> dict[str, Any]:
    return {
        "id": b.id, "text": b.text, "audience": b.audience, "tags": b.tags,
        "image": b.image_type is not None, "status": b.status, "send_at": b.send_at,
        "recipients": b.recipients, "requests": len(b.requests),
        "requests_sent": sum(1 for r in b.requests if r["status"] == "sent"),
        "created_by": b.created_by, "created_at": b.created_at, "sent_at": b.sent_at,
        "last_error": b.last_error,
    }  # fmt: skip


def record(b: Broadcast, results: dict[str, Any], *, policy: Any, now: datetime) -> None:
    """The requests' outcomes (by retry key); the broadcast sent, failed, or retried later."""
    requests = []
    for r in b.requests:
        r = dict(r)
        result = results.get(r["retry_key"])
        if result is not None and r["status"] == "pending":
            r["attempts"] = r.get("attempts", 0) + 1
            r["detail"] = result.detail
            if result.outcome == "delivered":
                r["status"] = "sent"
            elif result.outcome == "rejected" or r["attempts"] >= policy.attempts:
                r["status"] = "failed"
        requests.append(r)
    b.requests = requests  # a new list: the JSONB column is written
    errors = [r["detail"] for r in requests if r["status"] != "sent" and r.get("detail")]
    b.last_error = "; ".join(errors)[:1000]
    waiting = [r for r in requests if r["status"] == "pending"]
    if waiting:
        b.send_at = policy.next_at(max(r.get("attempts", 0) for r in waiting), now)
    elif any(r["status"] == "failed" for r in requests):
        b.status = BroadcastStatus.failed
    else:
        b.status, b.sent_at = BroadcastStatus.sent, now
