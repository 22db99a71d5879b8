"""HTTP endpoints: catalogue search, audio, legal hold, QA scoring, audit log."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, errors
from callcenter.services import S3Dep, SessionsDep, SettingsDep
from callcenter.users.deps import (
    AdminUser as Admin,
)
from callcenter.users.deps import CurrentUser, require_roles
from callcenter.users.models import Role, User
from callcenter.validation import Id8, Int8, Moment, Offset
from recordings import qa, storage
from recordings import service as rec_service
from recordings.errors import AudioForbidden, AudioNotStored, RecordingNotFound, StoreUnavailable
from recordings.models import QaEvaluation, Recording, UploadState
from recordings.schemas import (
    AuditOut,
    EvaluationIn,
    EvaluationOut,
    LegalHoldIn,
    QaFormIn,
    QaFormOut,
    RecordingOut,
)

router = APIRouter(
    prefix="/api/v1", tags=["recordings"], responses=errors(*SIGNED_IN, *CHANGES, 503)
)

Reviewer = Annotated[User, Depends(require_roles(Role.supervisor, Role.qa))]
SEES_CALLER = {Role.supervisor, Role.admin}  # QA judges the agent, not who called


def _who(request: Request, user: User) -> dict[str, Any]:
    return {
        "user_id": user.id, "username": user.username, "role": user.role.value,
        "client_ip": request.client.host if request.client else None,
        "user_agent": request.headers.get("user-agent"),
    }  # fmt: skip


def _own_only(user: User, settings: Settings) -> bool:
    """Agents see nothing, or (when configured) only their own calls; viewers nothing."""
    if user.role == Role.viewer:
        raise AudioForbidden(
            "Viewers may not open recordings. / ผู้ดูรายงานไม่มีสิทธิ์เปิดไฟล์บันทึกเสียง",
            role=user.role.value,
        )
    if user.role != Role.agent:
        return False
    if not settings.recordings_agent_own_calls:
        raise AudioForbidden(
            "Agents may not open recordings. / เจ้าหน้าที่รับสายไม่มีสิทธิ์เปิดไฟล์บันทึกเสียง",
            role=user.role.value,
        )
    return True


def _agent_of(user: User) -> str:
    """The queue member name of an agent's calls (their agent id, e.g. agent07)."""
    return user.agent_id or user.username


@router.get("/recordings", response_model=list[RecordingOut])
async def list_recordings(
    request: Request,
    user: CurrentUser,
    sessions: SessionsDep,
    settings: SettingsDep,
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    queue: str | None = None,
    agent: str | None = None,
    caller: str | None = None,
    min_duration_s: Annotated[float | None, Query(ge=0)] = None,
    max_duration_s: Annotated[float | None, Query(ge=0)] = None,
    qa_state: Annotated[str | None, Query(pattern="^(scored|unscored)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query(ge=0)] = 0,
) -> Any:
    """Search the catalogue; every search is audited."""
    if _own_only(user, settings):
        agent = _agent_of(user)
    mask = user.role not in SEES_CALLER
    filters = rec_service.RecordingFilter(
        start=start, end=end, queue=queue, agent=agent, caller=None if mask else caller,
        min_duration_s=min_duration_s, max_duration_s=max_duration_s, qa_state=qa_state,
        limit=limit, offset=offset,
    )  # fmt: skip
    async with transaction(sessions) as session:
        rows = await rec_service.search(session=session, filters=filters)
        linked = await rec_service.linked(session=session, rows=rows)
        query = {k: v for k, v in request.query_params.items() if k != "caller" or not mask}
        await rec_service.audit(
            session=session, action="list", detail={"query": query, "count": len(rows)},
            **_who(request, user),
        )  # fmt: skip
    return [RecordingOut.of(r, mask=mask, linked=linked[r.id]) for r in rows]


async def _recording(sessions: async_sessionmaker[AsyncSession], recording_id: int) -> Recording:
    async with sessions() as session:
        row = await rec_service.get(session=session, recording_id=recording_id)
    if row is None:
        raise RecordingNotFound(f"No recording {recording_id}.", recording_id=recording_id)
    return row


AUDIO: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The recording's audio (Ogg Vorbis, or WAV for older ones)",
        "content": {"audio/ogg": {"schema": {"type": "string", "format": "binary"}},
                    "audio/wav": {"schema": {"type": "string", "format": "binary"}}},
    }
}  # fmt: skip


@router.get("/recordings/{recording_id}/audio", response_class=Response, responses=AUDIO)
async def recording_audio(
    recording_id: Id8,
    request: Request,
    user: CurrentUser,
    sessions: SessionsDep,
    settings: SettingsDep,
    s3: S3Dep,
    download: bool = False,
) -> Response:
    """The audio, streamed through the service (so every play is audited)."""
    own = _own_only(user, settings)
    row = await _recording(sessions, recording_id)
    if own and row.agent != _agent_of(user):
        raise AudioForbidden("Only your own calls. / เปิดได้เฉพาะสายของคุณเอง")
    if row.upload_state not in (UploadState.verified, UploadState.uploaded):
        raise AudioNotStored("The recording is not in the store yet.", state=row.upload_state)
    ref = storage.ObjectRef(row.bucket, row.object_key, row.version_id)
    try:
        data = await asyncio.to_thread(storage.read_object, s3, ref)
    except Exception as exc:
        raise StoreUnavailable("The recording store does not answer; try again.") from exc
    action = "download" if download else "play"
    async with transaction(sessions) as session:
        await rec_service.audit(
            session=session, action=action, recording_id=row.id, **_who(request, user)
        )
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{row.object_key.rsplit("/")[-1]}"'
    media = "audio/ogg" if row.codec == "vorbis" else "audio/wav"
    return Response(content=data, media_type=media, headers=headers)


@router.put("/recordings/{recording_id}/legal-hold", response_model=RecordingOut)
async def legal_hold(
    recording_id: Id8,
    body: LegalHoldIn,
    request: Request,
    user: Reviewer,
    sessions: SessionsDep,
    s3: S3Dep,
) -> Any:
    """Legal hold on (kept past retention) or off."""
    row = await _recording(sessions, recording_id)
    if row.upload_state not in (UploadState.verified, UploadState.uploaded):
        raise AudioNotStored("The recording is not in the store yet.", state=row.upload_state)
    ref = storage.ObjectRef(row.bucket, row.object_key, row.version_id)
    try:
        await asyncio.to_thread(storage.set_legal_hold, s3, ref, on=body.on)
    except Exception as exc:
        raise StoreUnavailable("The recording store does not answer; try again.") from exc
    async with transaction(sessions) as session:
        fresh = await session.get(Recording, recording_id)
        assert fresh is not None
        fresh.legal_hold = body.on
        action = "legal_hold_on" if body.on else "legal_hold_off"
        await rec_service.audit(
            session=session, action=action, recording_id=row.id,
            detail={"reason": body.reason}, **_who(request, user),
        )  # fmt: skip
        linked = await rec_service.linked(session=session, rows=[fresh])
    return RecordingOut.of(fresh, mask=user.role not in SEES_CALLER, linked=linked[fresh.id])


@router.get("/qa/forms", response_model=list[QaFormOut])
async def qa_forms(user: Reviewer, sessions: SessionsDep) -> Any:
    """Active QA forms with their weighted criteria."""
    async with sessions() as session:
        return [
            QaFormOut.model_validate(f, from_attributes=True)
            for f in await qa.forms(session=session)
        ]


@router.post("/qa/forms", response_model=QaFormOut, status_code=201)
async def add_qa_form(body: QaFormIn, user: Reviewer, sessions: SessionsDep) -> Any:
    """A new QA form (criteria and weights)."""
    async with transaction(sessions) as session:
        form = await qa.add_form(
            session=session, name=body.name, criteria=[c.model_dump() for c in body.criteria]
        )
    return QaFormOut.model_validate(form, from_attributes=True)


def _evaluation_out(e: QaEvaluation, superseded: set[int]) -> EvaluationOut:
    return EvaluationOut(
        id=e.id, recording_id=e.recording_id, form_id=e.form_id, evaluator_id=e.evaluator_id,
        ratings=e.ratings, score=e.score, comments=e.comments, supersedes_id=e.supersedes_id,
        supersede_reason=e.supersede_reason, superseded=e.id in superseded,
        submitted_at=e.submitted_at,
    )  # fmt: skip


@router.get("/recordings/{recording_id}/evaluations", response_model=list[EvaluationOut])
async def list_evaluations(recording_id: Id8, user: Reviewer, sessions: SessionsDep) -> Any:
    """Every evaluation of the recording (superseded ones flagged)."""
    await _recording(sessions, recording_id)
    async with sessions() as session:
        rows = await qa.evaluations(session=session, recording_id=recording_id)
    superseded = {e.supersedes_id for e in rows if e.supersedes_id is not None}
    return [_evaluation_out(e, superseded) for e in rows]


@router.post(
    "/recordings/{recording_id}/evaluations", response_model=EvaluationOut, status_code=201
)
async def submit_evaluation(
    recording_id: Id8, body: EvaluationIn, request: Request, user: Reviewer, sessions: SessionsDep
) -> Any:
    """Submit a score (immutable; replace one by superseding it with a reason)."""
    await _recording(sessions, recording_id)
    async with transaction(sessions) as session:
        evaluation = await qa.submit(
            session=session, recording_id=recording_id, evaluator_id=user.id,
            form_id=body.form_id, ratings=body.ratings, comments=body.comments,
            supersedes_id=body.supersedes_id, reason=body.reason,
        )  # fmt: skip
        await rec_service.audit(
            session=session, action="evaluate", recording_id=recording_id,
            detail={"evaluation_id": evaluation.id, "score": evaluation.score},
            **_who(request, user),
        )  # fmt: skip
    return _evaluation_out(evaluation, set())


@router.get("/audit", response_model=list[AuditOut])
async def audit_log(
    user: Admin,
    sessions: SessionsDep,
    recording_id: Int8 | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """Who listed, played or downloaded what, newest first (admins)."""
    async with sessions() as session:
        rows = await rec_service.audit_rows(
            session=session, recording_id=recording_id, action=action, limit=limit
        )
    return [AuditOut.of(r) for r in rows]
