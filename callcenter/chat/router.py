"""`/webhooks/line`, `/webhooks/facebook` (the platforms' webhooks), `/api/v1/chat` (inbox)."""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import aiohttp
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from linebot.v3.messaging import ApiException
from sqlalchemy import select

from callcenter.chat import (
    attachments,
    broadcasts,
    facebook_events,
    inbox,
    kpi,
    rich_menu,
    service,
    survey,
)
from callcenter.chat import cases as chat_cases
from callcenter.chat.broadcasts import IMAGE_TYPES
from callcenter.chat.desk import ChatDesk
from callcenter.chat.errors import (
    BadSignature,
    FilesUnavailable,
    MalformedWebhook,
    NotStored,
    PlatformUnavailable,
    RichMenuRefused,
    VerifyFailed,
)
from callcenter.chat.journal import Rows
from callcenter.chat.line_events import MalformedEvents, events_of, is_redelivery
from callcenter.chat.models import Broadcast, State
from callcenter.chat.schemas import (
    TAG_PATTERN,
    AssignIn,
    BroadcastIn,
    BroadcastOut,
    CannedOut,
    ChatCaseIn,
    ConversationDetail,
    ConversationOut,
    QuotaOut,
    ReplyIn,
    ScheduleIn,
)
from callcenter.chat.signature import facebook_valid, line_valid
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, InvalidInput, NotFound, errors
from callcenter.services import chat as chat_desk
from callcenter.users.deps import AdminUser, SupervisorUser, require_roles
from callcenter.users.models import Role, User
from callcenter.validation import Id8
from recordings import service as audit_log

log = logging.getLogger(__name__)
# signature refused 401, verify token refused 403, not LINE's format 400, not stored 503
webhooks = APIRouter(prefix="/webhooks", tags=["chat"], responses=errors(400, 401, 403, 413, 503))
router = APIRouter(
    prefix="/api/v1/chat", tags=["chat"], responses=errors(*SIGNED_IN, *CHANGES, 502, 503)
)
# What LINE itself fetches (broadcast images): no sign-in, unguessable tokens.
public = APIRouter(prefix="/public/chat", tags=["chat"], responses=errors(404))

ChatDep = Annotated[ChatDesk, Depends(chat_desk)]
# Who works the inbox: agents and supervisors (admins always).
Admin = Annotated[User, Depends(require_roles(Role.agent, Role.supervisor))]
STATES = {
    "open": inbox.OPEN,
    "waiting": (State.queued.value, State.assigned.value),
    "closed": (State.closed.value,),
}


@webhooks.post("/line")
async def line_webhook(request: Request, desk: ChatDep) -> dict[str, Any]:
    """LINE's webhook: signature checked, events stored (each once), then the 200."""
    raw = await request.body()
    if not line_valid(desk.line_secret, raw, request.headers.get("x-line-signature")):
        log.warning("LINE webhook with a bad or missing signature from %s", _peer(request))
        raise BadSignature(
            "ลายเซ็น X-Line-Signature ไม่ถูกต้อง / the X-Line-Signature header is missing or wrong",
            header="X-Line-Signature",
        )
    try:
        events = events_of(json.loads(raw))
    except (ValueError, MalformedEvents) as exc:
        raise MalformedWebhook(
            "เนื้อหา webhook ไม่ถูกต้อง / the webhook body is not LINE's format", reason=str(exc)
        ) from exc
    rows = [(e["webhookEventId"], is_redelivery(e), e) for e in events]
    await _store(desk, service.LINE, rows)
    return {}


# The challenge is text; a refusal is the usual JSON error body.
_JSON_ERROR = {
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
}


@webhooks.get(
    "/facebook",
    response_class=PlainTextResponse,
    responses={status: _JSON_ERROR for status in (403, 422)},
)
async def facebook_verify(
    desk: ChatDep,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=256)] = "",
) -> str:
    """Meta's subscription check: the challenge back when the verify token is ours."""
    ours = desk.fb_verify_token
    if mode != "subscribe" or not ours or not hmac.compare_digest(token.encode(), ours.encode()):
        log.warning("Messenger verification with a wrong token or mode %r", mode)
        raise VerifyFailed("โทเค็นยืนยันไม่ถูกต้อง / the hub.verify_token is not ours")
    return challenge


@webhooks.post("/facebook")
async def facebook_webhook(request: Request, desk: ChatDep) -> dict[str, Any]:
    """Messenger's webhook: X-Hub-Signature-256 checked, events stored (each once), then 200."""
    raw = await request.body()
    if not facebook_valid(desk.fb_secret, raw, request.headers.get("x-hub-signature-256")):
        log.warning("Messenger webhook with a bad or missing signature from %s", _peer(request))
        raise BadSignature(
            "ลายเซ็น X-Hub-Signature-256 ไม่ถูกต้อง / X-Hub-Signature-256 is missing or wrong",
            header="X-Hub-Signature-256",
        )
    try:
        events = facebook_events.events_of(json.loads(raw))
    except (ValueError, MalformedEvents) as exc:
        raise MalformedWebhook(
            "เนื้อหา webhook ไม่ถูกต้อง / the webhook body is not Messenger's format", reason=str(exc)
        ) from exc
    await _store(desk, service.FACEBOOK, [(mid, False, e) for mid, e in events])
    return {}


async def _store(desk: ChatDesk, channel: str, rows: Rows) -> None:
    """Stored (or journaled) before the 200: a lost acknowledgement means a redelivery."""
    try:
        await desk.store(channel, rows)
    except OSError as exc:
        log.error("%s webhook events neither stored nor journaled: %r", channel, exc)
        raise NotStored(
            "บันทึกไม่สำเร็จ กรุณาส่งใหม่ / the events could not be stored; deliver them again"
        ) from exc


@router.get("/kpi")
async def chat_kpi(
    user: SupervisorUser,
    desk: ChatDep,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
) -> dict[str, Any]:
    """chat-v1 figures of the conversations handed off in [from, to) (docs/kpi-v1.md)."""
    _check_period(start, end)
    async with desk.sessions() as session:
        return await kpi.figures(
            session=session, start=start, end=end, sla=desk.sla, now=desk.clock()
        )


@router.get("/satisfaction")
async def satisfaction(
    user: SupervisorUser,
    desk: ChatDep,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
) -> dict[str, Any]:
    """Satisfaction questionnaires asked in [from, to): asked, answered, average, spread."""
    _check_period(start, end)
    async with desk.sessions() as session:
        return await survey.report(session=session, start=start, end=end)


def _check_period(start: datetime, end: datetime) -> None:
    if end <= start or start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            "ช่วงเวลาไม่ถูกต้อง / 'from' must be before 'to', both with a time zone",
            start=start.isoformat(), end=end.isoformat(),
        )  # fmt: skip


@router.get("/canned", response_model=list[CannedOut])
async def canned_answers(user: Admin, desk: ChatDep) -> Any:
    """The canned answers an admin may send (Thai and English)."""
    return [
        CannedOut(id=c.id, title_th=c.title["th"], title_en=c.title["en"], text_th=c.text["th"],
                  text_en=c.text["en"])
        for c in desk.canned.values()
    ]  # fmt: skip


@router.get("/conversations", response_model=list[ConversationOut])
async def conversations(
    user: Admin, desk: ChatDep, state: Literal["open", "waiting", "closed"] = "open"
) -> Any:
    """Conversations, the most urgent first: waiting for a first reply, the earliest due first."""
    async with desk.sessions() as session:
        return await inbox.listing(
            session=session, user=user, states=STATES[state], now=desk.clock()
        )


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def conversation(conversation_id: Id8, user: Admin, desk: ChatDep) -> Any:
    async with desk.sessions() as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id)
        return await _detail(session, conv, user, desk)


@router.get(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in sorted(attachments.ALLOWED_TYPES)}}},
)
async def attachment_file(
    conversation_id: Id8, attachment_id: Id8, user: Admin, desk: ChatDep
) -> Response:
    """A file the customer sent (kept in S3), as it came."""
    async with desk.sessions() as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id)
        found = await inbox.attachment(
            session=session, conv=conv, user=user, attachment_id=attachment_id
        )
    if desk.files is None:
        raise FilesUnavailable("ที่เก็บไฟล์ไม่พร้อม / the file store is not configured")
    data = await attachments.read(desk.files.s3, found.bucket, found.object_key)
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    return Response(
        data, media_type=found.content_type, headers={"Content-Disposition": disposition}
    )


@router.get("/conversations/{conversation_id}/history")
async def customer_history(conversation_id: Id8, user: Admin, desk: ChatDep) -> dict[str, Any]:
    """The same person's other conversations and cases across channels (LINE id, PSID,
    e-mail address, phone number); for those who see the customer's data."""
    async with desk.sessions() as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id)
        return await inbox.history(session=session, conv=conv, user=user)


@router.get("/supervisor")
async def supervisor_view(user: SupervisorUser, desk: ChatDep) -> dict[str, Any]:
    """All admins with their load and SLA breaches, and the unassigned queue."""
    async with desk.sessions() as session:
        return await inbox.supervisor_view(session=session, now=desk.clock())


@router.post("/conversations/{conversation_id}/take", response_model=ConversationDetail)
async def take(conversation_id: Id8, user: Admin, desk: ChatDep) -> Any:
    """The caller holds the conversation from now; the bot stays silent."""
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id, lock=True)
        await inbox.take(
            session=session, conv=conv, user_id=user.id, now=desk.clock(), sla=desk.sla
        )
        out = await _detail(session, conv, user, desk)
    desk.changed([conversation_id])  # committed: the other inbox pages may look
    return out


@router.post("/conversations/{conversation_id}/assign", response_model=ConversationDetail)
async def assign(conversation_id: Id8, body: AssignIn, user: SupervisorUser, desk: ChatDep) -> Any:
    """A supervisor gives the conversation to an admin (also away from another)."""
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id, lock=True)
        await inbox.check_assignee(session=session, user_id=body.user_id)
        await inbox.take(
            session=session, conv=conv, user_id=body.user_id, now=desk.clock(), sla=desk.sla,
            force=True,
        )  # fmt: skip
        out = await _detail(session, conv, user, desk)
    desk.changed([conversation_id])
    return out


@router.post("/conversations/{conversation_id}/close", response_model=ConversationDetail)
async def close(conversation_id: Id8, user: Admin, desk: ChatDep) -> Any:
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id, lock=True)
        await inbox.close(session=session, conv=conv, user=user, now=desk.clock())
        out = await _detail(session, conv, user, desk)
    desk.sends_queued()  # the satisfaction questionnaire
    desk.changed([conversation_id])
    return out


@router.post("/conversations/{conversation_id}/reply", response_model=ConversationDetail)
async def reply(conversation_id: Id8, body: ReplyIn, user: Admin, desk: ChatDep) -> Any:
    """Send text to the customer (reply token while valid, else push; retried, never twice)."""
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id, lock=True)
        text = body.text
        if body.canned is not None:
            found = desk.canned.get(body.canned)
            if found is None:
                raise InvalidInput(
                    f"ไม่มีคำตอบสำเร็จรูป {body.canned} / no canned answer {body.canned!r}",
                    canned=body.canned,
                )
            text = found.text.get(conv.lang, found.text["th"])
        assert text is not None  # ReplyIn: text or canned
        await inbox.reply(
            session=session, conv=conv, user=user, text=text, now=desk.clock(), sla=desk.sla
        )
        out = await _detail(session, conv, user, desk)
    desk.sends_queued()
    desk.changed([conversation_id])
    return out


@router.post(
    "/conversations/{conversation_id}/reply-image",
    response_model=ConversationDetail,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in inbox.REPLY_IMAGE_TYPES
            },
        }
    },
)
async def reply_image(conversation_id: Id8, request: Request, user: Admin, desk: ChatDep) -> Any:
    """Send a picture (JPEG or PNG): to a LINE or Messenger customer (at most 1 MB; the
    platform fetches it from /public/chat/images/{token}), or attached to an e-mail answer
    in the thread (at most CALLCENTER_CHAT_ATTACHMENT_MAX_BYTES)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    data = await request.body()
    if desk.files is None:
        raise FilesUnavailable("ที่เก็บไฟล์ไม่พร้อม / the file store is not configured")
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id, lock=True)
        inbox.check_may_reply(conv, user)
        inbox.check_reply_image(conv, content_type, len(data), email_max_bytes=desk.files.max_bytes)
        extension = "png" if content_type == "image/png" else "jpg"
        key = f"{attachments.PREFIX}/replies/{conv.id}/{uuid.uuid4().hex}.{extension}"
        await attachments.put(desk.files, key=key, data=data, content_type=content_type)
        await inbox.reply_image(
            session=session, conv=conv, user=user, bucket=desk.files.bucket, key=key,
            content_type=content_type, size=len(data), public_url=desk.public_url,
            now=desk.clock(), sla=desk.sla,
        )  # fmt: skip
        out = await _detail(session, conv, user, desk)
    desk.sends_queued()
    desk.changed([conversation_id])
    return out


@router.post(
    "/conversations/{conversation_id}/case", response_model=ConversationDetail, status_code=201
)
async def open_case(conversation_id: Id8, body: ChatCaseIn, user: Admin, desk: ChatDep) -> Any:
    """Open the conversation's complaint case, pre-filled from it (cases' rules and audit)."""
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id, lock=True)
        await chat_cases.open_case(session=session, conv=conv, user=user, case_in=body)
        out = await _detail(session, conv, user, desk)
    desk.changed([conversation_id])
    return out


async def _detail(session: Any, conv: Any, user: User, desk: ChatDesk) -> ConversationDetail:
    return await inbox.detail(session=session, conv=conv, user=user, now=desk.clock())


def _peer(request: Request) -> str:
    return request.client.host if request.client else "?"


# -- broadcasts --------------------------------------------------------------------------


@router.get("/broadcasts", response_model=list[BroadcastOut])
async def broadcast_list(user: SupervisorUser, desk: ChatDep) -> Any:
    """The latest broadcasts, newest first."""
    async with desk.sessions() as session:
        stmt = select(Broadcast).order_by(Broadcast.id.desc()).limit(100)
        return [broadcasts.out(b) for b in (await session.scalars(stmt)).all()]


@router.post("/broadcasts", response_model=BroadcastOut, status_code=201)
async def broadcast_compose(body: BroadcastIn, user: SupervisorUser, desk: ChatDep) -> Any:
    """A draft (audited); add an image, then schedule it."""
    async with transaction(desk.sessions) as session:
        b = await broadcasts.compose(
            session=session, text=body.text, tags=body.tags, who=user.username,
            user_id=user.id, role=user.role.value, now=desk.clock(),
        )  # fmt: skip
        return broadcasts.out(b)


@router.put(
    "/broadcasts/{broadcast_id}/image",
    response_model=BroadcastOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGE_TYPES},
        }
    },
)
async def broadcast_image(
    broadcast_id: Id8, request: Request, user: SupervisorUser, desk: ChatDep
) -> Any:
    """The draft's picture (JPEG or PNG, at most 10 MB), sent after the text."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    data = await request.body()
    broadcasts.check_image(content_type, len(data))
    if desk.files is None:
        raise FilesUnavailable("ที่เก็บไฟล์ไม่พร้อม / the file store is not configured")
    async with transaction(desk.sessions) as session:
        b = await broadcasts.get(session=session, broadcast_id=broadcast_id, lock=True)
        key = f"{attachments.PREFIX}/broadcasts/{b.id}/{uuid.uuid4().hex}"
        broadcasts.attach_image(
            b, bucket=desk.files.bucket, key=key, content_type=content_type
        )  # refuses a non-draft before anything is stored
        await attachments.put(desk.files, key=key, data=data, content_type=content_type)
        await broadcasts.audit(
            session, "image", b, who=user.username, user_id=user.id, role=user.role.value,
            size=len(data),
        )  # fmt: skip
        return broadcasts.out(b)


@router.post("/broadcasts/{broadcast_id}/schedule", response_model=BroadcastOut)
async def broadcast_schedule(
    broadcast_id: Id8, body: ScheduleIn, user: SupervisorUser, desk: ChatDep
) -> Any:
    """Send the draft now, or at `at` (audited)."""
    now = desk.clock()
    at = body.at or now
    if at.tzinfo is None:
        raise InvalidInput("ระบุเขตเวลา / 'at' needs a time zone", at=at.isoformat())
    async with transaction(desk.sessions) as session:
        b = await broadcasts.get(session=session, broadcast_id=broadcast_id, lock=True)
        await broadcasts.schedule(
            session=session, b=b, at=max(at, now), who=user.username, user_id=user.id,
            role=user.role.value,
        )  # fmt: skip
        out = broadcasts.out(b)
    await desk.schedule_broadcast(broadcast_id, max(at, now))
    return out


@router.post("/broadcasts/{broadcast_id}/cancel", response_model=BroadcastOut)
async def broadcast_cancel(broadcast_id: Id8, user: SupervisorUser, desk: ChatDep) -> Any:
    async with transaction(desk.sessions) as session:
        b = await broadcasts.get(session=session, broadcast_id=broadcast_id, lock=True)
        await broadcasts.cancel(
            session=session, b=b, who=user.username, user_id=user.id, role=user.role.value
        )
        return broadcasts.out(b)


@router.get("/broadcasts/quota", response_model=QuotaOut)
async def broadcast_quota(user: SupervisorUser, desk: ChatDep) -> Any:
    """This month's LINE message limit and usage (LINE's quota and consumption)."""
    try:
        got = await desk.line_quota()
    except Exception as exc:
        log.warning("LINE quota not available: %r", exc)
        raise PlatformUnavailable(
            "LINE ไม่ตอบ ลองใหม่ภายหลัง / LINE did not answer; try again later"
        ) from exc
    limit = got["value"] if got["type"] == "limited" else None
    used = int(got["totalUsage"])
    return QuotaOut(
        type=got["type"], value=limit, total_usage=used,
        remaining=max(limit - used, 0) if limit is not None else None,
    )  # fmt: skip


@router.put("/conversations/{conversation_id}/tags/{tag}", response_model=list[str])
async def tag_customer(
    conversation_id: Id8,
    tag: Annotated[str, Path(pattern=TAG_PATTERN)],
    user: Admin,
    desk: ChatDep,
) -> Any:
    """Put the conversation's customer in a segment (a broadcast audience); their tags."""
    return await _retag(desk, conversation_id, tag, user_id=user.id, add=True)


@router.delete("/conversations/{conversation_id}/tags/{tag}", response_model=list[str])
async def untag_customer(
    conversation_id: Id8,
    tag: Annotated[str, Path(pattern=TAG_PATTERN)],
    user: Admin,
    desk: ChatDep,
) -> Any:
    """Take the customer out of a segment; their tags."""
    return await _retag(desk, conversation_id, tag, user_id=user.id, add=False)


async def _retag(
    desk: ChatDesk, conversation_id: int, tag: str, *, user_id: int, add: bool
) -> list[str]:
    async with transaction(desk.sessions) as session:
        conv = await inbox.get(session=session, conversation_id=conversation_id)
        channel, customer = conv.channel, conv.customer_id
        if add:
            await broadcasts.tag(
                session=session, channel=channel, customer_id=customer, tag=tag,
                user_id=user_id, now=desk.clock(),
            )  # fmt: skip
        else:
            await broadcasts.untag(session=session, channel=channel, customer_id=customer, tag=tag)
        await session.flush()
        return await broadcasts.tags_of(session=session, channel=channel, customer_id=customer)


@public.get(
    "/images/{token}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in IMAGE_TYPES}}},
)
async def broadcast_image_file(
    token: Annotated[str, Path(max_length=64)], desk: ChatDep
) -> Response:
    """A broadcast's or an admin's picture, fetched by the platform by its token."""
    async with desk.sessions() as session:
        b = await broadcasts.image_of(session=session, token=token)
        sent = await inbox.public_image(session=session, token=token) if b is None else None
    if b is not None and b.image_bucket and b.image_key:
        where, media = (b.image_bucket, b.image_key), b.image_type or "application/octet-stream"
    elif sent is not None:
        where, media = (sent.bucket, sent.object_key), sent.content_type
    else:
        raise NotFound("ไม่พบรูป / no such image")
    if desk.files is None:
        raise FilesUnavailable("ที่เก็บไฟล์ไม่พร้อม / the file store is not configured")
    data = await attachments.read(desk.files.s3, *where)
    return Response(data, media_type=media)


@router.post("/rich-menu", status_code=201)
async def rich_menu_apply(user: AdminUser, desk: ChatDep) -> dict[str, str]:
    """Create the configured LINE rich menu, upload its picture, make it the default (audited)."""
    try:
        menu_id = await desk.apply_rich_menu()
    except rich_menu.RichMenuInvalid as exc:
        raise RichMenuRefused(
            f"เมนูไม่ถูกต้อง / the rich menu configuration is not valid: {exc}", reason=str(exc)
        ) from exc
    except ApiException as exc:
        log.warning("LINE refused the rich menu: %s %s", exc.status, exc.body)
        raise PlatformUnavailable(
            f"LINE ไม่รับเมนู / LINE refused the rich menu ({exc.status})", status=exc.status
        ) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("LINE not reached for the rich menu: %r", exc)
        raise PlatformUnavailable("LINE ไม่ตอบ / LINE could not be reached") from exc
    async with transaction(desk.sessions) as session:
        await audit_log.audit(
            session=session, user_id=user.id, username=user.username, role=user.role.value,
            action="chat_rich_menu_applied", detail={"rich_menu_id": menu_id},
        )  # fmt: skip
    return {"rich_menu_id": menu_id}
