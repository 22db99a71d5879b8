"""HTTP endpoints: catalogue search, audio, legal hold, QA scoring, audit log."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.centre import Centre
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.errors import CHANGES, SIGNED_IN, errors
from callcenter.services import LayoutDep, S3Dep, SessionsDep, SettingsDep
from callcenter.users.deps import (
    AdminUser as Admin,
)
from callcenter.users.deps import CurrentUser, require_roles
from callcenter.users.models import Role, User
from callcenter.validation import Id4, Id8, Int8, Moment, Offset
from recordings import markers, qa, storage
from recordings import names as rec_names
from recordings import service as rec_service
from recordings.errors import (
    AudioForbidden,
    AudioNotStored,
    EvaluationNotFound,
    RecordingNotFound,
    StoreUnavailable,
)
from recordings.models import QaEvaluation, QaForm, Recording, UploadState
from recordings.schemas import (
    AgentChoice,
    AuditOut,
    CalibrationAuditor,
    CalibrationItem,
    CalibrationOut,
    Choices,
    Criterion,
    EvaluationIn,
    EvaluationOut,
    LegalHoldIn,
    MarkerOut,
    MyEvaluationOut,
    QaFormIn,
    QaFormOut,
    QaFormVersionIn,
    QueueChoice,
    RecordingOut,
    ResponseIn,
    ResponseOut,
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


async def _names(session: AsyncSession, layout: Centre) -> rec_names.Names:
    """Queue labels and agent names; a login's display name for an agent the layout lacks."""
    rows = await session.execute(
        select(User.agent_id, User.display_name).where(User.agent_id.is_not(None))
    )
    return rec_names.of(layout, display_names={a: n for a, n in rows.all() if a})


TOTAL = "X-Total-Count"
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One page of the matching recordings, newest first",
        "headers": {
            TOTAL: {
                "description": "How many recordings match (every page)",
                "schema": {"type": "integer"},
            }
        },
    }
}


@router.get("/recordings", response_model=list[RecordingOut], responses=PAGED)
async def list_recordings(
    request: Request,
    response: Response,
    user: CurrentUser,
    layout: LayoutDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    queue: str | None = None,
    agent: str | None = None,
    caller: str | None = None,
    min_duration_s: Annotated[float | None, Query(ge=0)] = None,
    max_duration_s: Annotated[float | None, Query(ge=0)] = None,
    qa_state: Annotated[str | None, Query(pattern="^(scored|unscored|disputed)$")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    critical: bool | None = None,
    case_id: Id8 | None = None,
    has_case: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query(ge=0)] = 0,
) -> Any:
    """Search the catalogue, one page at a time (the total of every page in X-Total-Count);
    every search is audited."""
    if _own_only(user, settings):
        agent = _agent_of(user)
    mask = user.role not in SEES_CALLER
    filters = rec_service.RecordingFilter(
        start=start, end=end, queue=queue, agent=agent, caller=None if mask else caller,
        min_duration_s=min_duration_s, max_duration_s=max_duration_s, qa_state=qa_state,
        min_score=min_score, max_score=max_score, critical=critical, case_id=case_id,
        has_case=has_case, limit=limit, offset=offset,
    )  # fmt: skip
    async with transaction(sessions) as session:
        rows = await rec_service.search(session=session, filters=filters)
        total = await rec_service.count(session=session, filters=filters)
        linked = await rec_service.linked(session=session, rows=rows)
        names = await _names(session, layout)
        query = {k: v for k, v in request.query_params.items() if k != "caller" or not mask}
        await rec_service.audit(
            session=session, action="list",
            detail={"query": query, "count": len(rows), "total": total},
            **_who(request, user),
        )  # fmt: skip
    response.headers[TOTAL] = str(total)
    return [RecordingOut.of(r, mask=mask, linked=linked[r.id], names=names) for r in rows]


@router.get("/qa/choices", response_model=Choices)
async def qa_choices(user: Reviewer, sessions: SessionsDep, layout: LayoutDep) -> Any:
    """The QA page's lists: the centre's queues (IVR order) and agents (the layout's, then
    any other the catalogue holds), by name; and the centre's time zone."""
    async with sessions() as session:
        names = await _names(session, layout)
        seen = await rec_service.agents_seen(session=session)
    ids = [a.id for a in layout.agents] + [a for a in seen if a not in names.agents]
    return Choices(
        time_zone=rec_names.TIME_ZONE,
        queues=[QueueChoice(name=q.name, label_th=q.label_th, label_en=q.label_en)
                for q in layout.queues],
        agents=[AgentChoice(id=a, name=names.agent(a)) for a in dict.fromkeys(ids)],
    )  # fmt: skip


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


@router.get("/recordings/{recording_id}/events", response_model=list[MarkerOut])
async def recording_events(
    recording_id: Id8, user: CurrentUser, sessions: SessionsDep, settings: SettingsDep
) -> Any:
    """Hold, off-hold and transfer moments of the recorded call (seconds into the
    recording), from its stored AMI events: the waveform's markers."""
    own = _own_only(user, settings)
    row = await _recording(sessions, recording_id)
    if own and row.agent != _agent_of(user):
        raise AudioForbidden("Only your own calls. / เปิดได้เฉพาะสายของคุณเอง")
    async with sessions() as session:
        found = await markers.of_recording(session=session, row=row)
    return [MarkerOut.model_validate(m, from_attributes=True) for m in found]


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


def _form_out(f: QaForm) -> QaFormOut:
    return QaFormOut(id=f.id, name=f.name, version=f.version, active=f.active,
                     criteria=[Criterion.model_validate(c) for c in f.criteria])  # fmt: skip


@router.get("/qa/forms", response_model=list[QaFormOut])
async def qa_forms(user: Reviewer, sessions: SessionsDep) -> Any:
    """Active QA forms (each form's newest version) with their sections and items."""
    async with sessions() as session:
        return [_form_out(f) for f in await qa.forms(session=session)]


@router.get("/qa/forms/{form_id}", response_model=QaFormOut)
async def qa_form(form_id: Id4, user: CurrentUser, sessions: SessionsDep) -> Any:
    """One form version, replaced ones too (an evaluation is read with the version it was
    scored on; agents read the forms of their own evaluations)."""
    async with sessions() as session:
        return _form_out(await qa.form(session=session, form_id=form_id))


@router.post("/qa/forms", response_model=QaFormOut, status_code=201)
async def add_qa_form(
    body: QaFormIn, request: Request, user: Reviewer, sessions: SessionsDep
) -> Any:
    """A new QA form, version 1 (sections, items, weights, scales, N/A, critical items);
    audited."""
    async with transaction(sessions) as session:
        form = await qa.add_form(
            session=session, name=body.name, criteria=[c.model_dump() for c in body.criteria]
        )
        await rec_service.audit(
            session=session, action="qa_form_add",
            detail={"form_id": form.id, "name": form.name, "version": form.version},
            **_who(request, user),
        )  # fmt: skip
    return _form_out(form)


@router.post("/qa/forms/{form_id}/versions", response_model=QaFormOut, status_code=201)
async def add_qa_form_version(
    form_id: Id4, body: QaFormVersionIn, request: Request, user: Reviewer, sessions: SessionsDep
) -> Any:
    """The next version of a form; evaluations on older versions keep theirs. Audited."""
    async with transaction(sessions) as session:
        form = await qa.add_version(
            session=session, form_id=form_id, criteria=[c.model_dump() for c in body.criteria]
        )
        await rec_service.audit(
            session=session, action="qa_form_version",
            detail={"form_id": form.id, "name": form.name, "version": form.version,
                    "replaces": form_id},
            **_who(request, user),
        )  # fmt: skip
    return _form_out(form)


async def _evaluations_out(session: AsyncSession, rows: list[QaEvaluation]) -> list[EvaluationOut]:
    """Evaluations with their form version, auditor and the agent's answer."""
    superseded = {e.supersedes_id for e in rows if e.supersedes_id is not None}
    forms = {f.id: f for f in await session.scalars(
        select(QaForm).where(QaForm.id.in_({e.form_id for e in rows})))}  # fmt: skip
    found = await session.execute(
        select(User.id, User.username).where(User.id.in_({e.evaluator_id for e in rows}))
    )
    users: dict[int, str] = {i: n for i, n in found.all()}
    answers = await qa.responses(session=session, evaluation_ids=[e.id for e in rows])
    out = []
    for e in rows:
        answer = answers.get(e.id)
        out.append(EvaluationOut(
            id=e.id, recording_id=e.recording_id, form_id=e.form_id,
            form_name=forms[e.form_id].name, form_version=forms[e.form_id].version,
            evaluator_id=e.evaluator_id, evaluator=users.get(e.evaluator_id, ""),
            ratings=e.ratings, item_comments=e.item_comments or {}, score=e.score,
            critical_fail=e.critical_fail, comments=e.comments, supersedes_id=e.supersedes_id,
            supersede_reason=e.supersede_reason, superseded=e.id in superseded,
            submitted_at=e.submitted_at,
            response=ResponseOut.model_validate(answer, from_attributes=True) if answer else None,
        ))  # fmt: skip
    return out


@router.get("/recordings/{recording_id}/evaluations", response_model=list[EvaluationOut])
async def list_evaluations(recording_id: Id8, user: Reviewer, sessions: SessionsDep) -> Any:
    """Every evaluation of the recording (superseded ones flagged), with the agent's answer."""
    await _recording(sessions, recording_id)
    async with sessions() as session:
        rows = await qa.evaluations(session=session, recording_id=recording_id)
        return await _evaluations_out(session, rows)


@router.post(
    "/recordings/{recording_id}/evaluations", response_model=EvaluationOut, status_code=201
)
async def submit_evaluation(
    recording_id: Id8, body: EvaluationIn, request: Request, user: Reviewer, sessions: SessionsDep
) -> Any:
    """Submit a score (immutable; replace one by superseding it with a reason). A second
    auditor's own evaluation stands beside the first: calibration compares them."""
    await _recording(sessions, recording_id)
    async with transaction(sessions) as session:
        evaluation = await qa.submit(
            session=session, recording_id=recording_id, evaluator_id=user.id,
            form_id=body.form_id, ratings=body.ratings, comments=body.comments,
            item_comments=body.item_comments, supersedes_id=body.supersedes_id,
            reason=body.reason,
        )  # fmt: skip
        await rec_service.audit(
            session=session, action="evaluate", recording_id=recording_id,
            detail={"evaluation_id": evaluation.id, "score": evaluation.score,
                    "critical_fail": evaluation.critical_fail},
            **_who(request, user),
        )  # fmt: skip
        (out,) = await _evaluations_out(session, [evaluation])
    return out


Supervisor = Annotated[User, Depends(require_roles(Role.supervisor))]


@router.get("/recordings/{recording_id}/calibration", response_model=CalibrationOut)
async def calibration(recording_id: Id8, user: Supervisor, sessions: SessionsDep) -> Any:
    """Calibration (supervisors): each auditor's current evaluation of the call on the form
    version most of them used, the difference per item and in total (qa-v2)."""
    await _recording(sessions, recording_id)
    async with sessions() as session:
        rows = qa.current(await qa.evaluations(session=session, recording_id=recording_id))
        if not rows:
            return CalibrationOut(recording_id=recording_id, form_id=None, form_name="",
                                  form_version=None, auditors=[], items=[], score_spread=None,
                                  other_forms=0)  # fmt: skip
        by_form: dict[int, set[int]] = {}
        for e in rows:
            by_form.setdefault(e.form_id, set()).add(e.evaluator_id)
        form_id = max(by_form, key=lambda f: (len(by_form[f]), f))
        form = await qa.form(session=session, form_id=form_id)
        compared = qa.compare(form.criteria, [e for e in rows if e.form_id == form_id])
        names = await _evaluations_out(session, compared.evaluations)
    return CalibrationOut(
        recording_id=recording_id, form_id=form.id, form_name=form.name,
        form_version=form.version,
        auditors=[CalibrationAuditor(evaluation_id=e.id, evaluator=e.evaluator,
                                     score=e.score, critical_fail=e.critical_fail,
                                     submitted_at=e.submitted_at) for e in names],
        items=[CalibrationItem(key=i.criterion["key"], label_th=i.criterion["label_th"],
                               label_en=i.criterion["label_en"], points=i.points,
                               spread=i.spread) for i in compared.items],
        score_spread=compared.score_spread,
        other_forms=sum(1 for e in rows if e.form_id != form_id),
    )  # fmt: skip


AgentUser = Annotated[User, Depends(require_roles(Role.agent))]


@router.get("/qa/my-evaluations", response_model=list[MyEvaluationOut])
async def my_evaluations(user: AgentUser, sessions: SessionsDep, layout: LayoutDep) -> Any:
    """An agent's own evaluations (current ones, newest first), with the form they were
    scored on and their own answer; the caller's number is not part of it."""
    async with sessions() as session:
        pairs = await qa.of_agent(session=session, agent=_agent_of(user))
        outs = await _evaluations_out(session, [e for e, _ in pairs])
        forms = {f.id: f for f in await session.scalars(
            select(QaForm).where(QaForm.id.in_({e.form_id for e, _ in pairs})))}  # fmt: skip
        names = await _names(session, layout)
    mine = []
    for out, (_, rec) in zip(outs, pairs, strict=True):
        th, en = names.queue(rec.queue)
        mine.append(MyEvaluationOut(
            **out.model_dump(), queue_label_th=th, queue_label_en=en,
            started_at=rec.started_at, duration_s=rec.duration_s,
            form=_form_out(forms[out.form_id]),
        ))  # fmt: skip
    return mine


@router.post(
    "/qa/evaluations/{evaluation_id}/response", response_model=EvaluationOut, status_code=201
)
async def respond_to_evaluation(
    evaluation_id: Id8, body: ResponseIn, request: Request, user: AgentUser, sessions: SessionsDep
) -> Any:
    """The agent acknowledges an evaluation of their own call, or disputes it with a reason
    (once; audited; append-only)."""
    async with transaction(sessions) as session:
        evaluation = await session.get(QaEvaluation, evaluation_id)
        rec = await session.get(Recording, evaluation.recording_id) if evaluation else None
        if evaluation is None or rec is None or rec.agent != _agent_of(user):
            raise EvaluationNotFound(
                "No such evaluation of your calls. / ไม่พบผลประเมินสายของคุณ",
                evaluation_id=evaluation_id,
            )
        await qa.respond(
            session=session, evaluation=evaluation, user_id=user.id, username=user.username,
            action=body.action, reason=body.reason,
        )  # fmt: skip
        await rec_service.audit(
            session=session, action=f"qa_{body.action}", recording_id=rec.id,
            detail={"evaluation_id": evaluation.id, "reason": body.reason.strip()},
            **_who(request, user),
        )  # fmt: skip
        (out,) = await _evaluations_out(session, [evaluation])
    return out


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
