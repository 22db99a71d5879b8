"""QA scoring (qa-v2 in docs/kpi-v1.md): forms with sections, weights, scales, N/A and
critical-fail items; forms versioned; evaluations immutable, superseded only with a reason;
calibration (auditors compared item by item); agents acknowledge or dispute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from recordings.errors import (
    EvaluationInvalid,
    EvaluationSuperseded,
    QaFormExists,
    QaFormNotFound,
    QaFormReplaced,
    QaResponseExists,
)
from recordings.models import QaEvaluation, QaForm, QaResponse, Recording

# A scale's lowest and highest rating; a rating counts (rating - low) / (high - low) of its
# item's weight. "yes_no": 1 yes, 0 no; "1-5": whole numbers; "0-100": any number.
SCALES: dict[str, tuple[int, int]] = {"0-100": (0, 100), "1-5": (1, 5), "yes_no": (0, 1)}
WHOLE = {"1-5", "yes_no"}
VERSION = "qa-v2"  # the score's definition in docs/kpi-v1.md


def scale_of(criterion: dict[str, Any]) -> str:
    """A criterion's scale; forms written before qa-v2 rated everything 0–100."""
    return str(criterion.get("scale") or "0-100")


def points(criterion: dict[str, Any], rating: float | None) -> float | None:
    """A rating as 0–100 of its item (None: not applicable)."""
    if rating is None:
        return None
    low, high = SCALES[scale_of(criterion)]
    return round(100 * (rating - low) / (high - low), 2)


@dataclass(frozen=True)
class Score:
    score: float  # 0–100; 0 when a critical item failed
    critical_fail: bool


def score_of(criteria: list[dict[str, Any]], ratings: dict[str, float | None]) -> Score:
    """The weighted score: each rated item's points times its weight, over the weights of the
    items rated (an N/A item leaves numerator and denominator); a critical item rated at its
    scale's lowest ("no") makes the whole score 0."""
    keys = {c["key"] for c in criteria}
    missing, unknown = keys - ratings.keys(), ratings.keys() - keys
    if missing or unknown:
        raise EvaluationInvalid(
            "Rate every criterion of the form, and only those. / ให้คะแนนทุกข้อของแบบประเมิน",
            missing=sorted(missing),
            unknown=sorted(unknown),
        )
    refused_na = sorted(c["key"] for c in criteria if ratings[c["key"]] is None
                        and not c.get("allow_na"))  # fmt: skip
    if refused_na:
        raise EvaluationInvalid(
            "These items cannot be N/A. / ข้อเหล่านี้เลือก 'ไม่เกี่ยวข้อง' ไม่ได้",
            not_applicable_refused=refused_na,
        )
    bad = []
    for c in criteria:
        value = ratings[c["key"]]
        low, high = SCALES[scale_of(c)]
        if value is not None and (
            not low <= value <= high or (scale_of(c) in WHOLE and value != int(value))
        ):
            bad.append(c["key"])
    if bad:
        raise EvaluationInvalid(
            "A rating is outside its item's scale (0–100, 1–5 or yes/no). / คะแนนอยู่นอกช่วง",
            out_of_range=sorted(bad),
        )
    rated = [(c, points(c, ratings[c["key"]])) for c in criteria]
    weight = sum(float(c["weight"]) for c, p in rated if p is not None)
    if weight == 0:
        raise EvaluationInvalid("Every item is N/A: nothing to score. / ทุกข้อไม่เกี่ยวข้อง")
    critical = any(c.get("critical") and p == 0 for c, p in rated)
    total = sum(float(c["weight"]) * p for c, p in rated if p is not None) / weight
    return Score(0.0 if critical else round(total, 2), critical)


def weighted_score(criteria: list[dict[str, Any]], ratings: dict[str, float]) -> float:
    """0–100: the ratings averaged with the form's weights (see `score_of`)."""
    return score_of(criteria, dict(ratings)).score


async def forms(*, session: AsyncSession) -> list[QaForm]:
    """Active forms (each form's newest version), oldest first."""
    return list(await session.scalars(select(QaForm).where(QaForm.active).order_by(QaForm.id)))


async def form(*, session: AsyncSession, form_id: int) -> QaForm:
    """One form version, active or not (an old evaluation is read with its own version)."""
    found = await session.get(QaForm, form_id)
    if found is None:
        raise QaFormNotFound(f"No QA form {form_id}. / ไม่พบแบบประเมิน", form_id=form_id)
    return found


async def add_form(*, session: AsyncSession, name: str, criteria: list[dict[str, Any]]) -> QaForm:
    """A new form, version 1 (existing evaluations keep pointing at the form they used)."""
    taken = await session.scalar(select(QaForm.id).where(QaForm.name == name).limit(1))
    if taken is not None:
        raise QaFormExists(
            f"A QA form named {name!r} exists already; add a version of it. "
            "/ มีแบบประเมินชื่อนี้แล้ว ให้เพิ่มฉบับใหม่แทน",
            name=name, form_id=taken,
        )  # fmt: skip
    new = QaForm(name=name, version=1, criteria=criteria, active=True)
    session.add(new)
    await session.flush()  # a concurrent twin still fails here: errors.py answers 409
    return new


async def add_version(
    *, session: AsyncSession, form_id: int, criteria: list[dict[str, Any]]
) -> QaForm:
    """The next version of a form; the one it replaces is no longer offered for scoring."""
    old = await session.get(QaForm, form_id, with_for_update=True)
    if old is None:
        raise QaFormNotFound(f"No QA form {form_id}. / ไม่พบแบบประเมิน", form_id=form_id)
    if not old.active:
        raise QaFormReplaced(
            "That version was replaced already; add a version of the newest. / ฉบับนี้ถูกแทนที่แล้ว",
            form_id=form_id,
        )
    newest = await session.scalar(select(func.max(QaForm.version)).where(QaForm.name == old.name))
    old.active = False
    new = QaForm(name=old.name, version=(newest or 0) + 1, criteria=criteria, active=True)
    session.add(new)
    await session.flush()
    return new


async def evaluations(*, session: AsyncSession, recording_id: int) -> list[QaEvaluation]:
    """Every evaluation of a recording, superseded ones included, oldest first."""
    rows = await session.scalars(
        select(QaEvaluation)
        .where(QaEvaluation.recording_id == recording_id)
        .order_by(QaEvaluation.id)
    )
    return list(rows)


async def submit(
    *,
    session: AsyncSession,
    recording_id: int,
    evaluator_id: int,
    form_id: int,
    ratings: dict[str, float | None],
    comments: str,
    item_comments: dict[str, str] | None = None,
    supersedes_id: int | None,
    reason: str | None,
) -> QaEvaluation:
    """A new, immutable evaluation on an active form version; replacing one needs its id
    and a reason."""
    used = await form(session=session, form_id=form_id)
    if not used.active:
        raise QaFormReplaced(
            f"Version {used.version} of {used.name!r} was replaced; score with the newest. "
            "/ แบบประเมินฉบับนี้ถูกแทนที่แล้ว",
            form_id=form_id,
        )
    result = score_of(used.criteria, ratings)
    notes = {k: v.strip() for k, v in (item_comments or {}).items() if v.strip()}
    unknown = sorted(notes.keys() - {c["key"] for c in used.criteria})
    if unknown:
        raise EvaluationInvalid(
            "Notes on items the form lacks. / หมายเหตุของข้อที่ไม่มีในแบบประเมิน", unknown=unknown
        )
    if supersedes_id is not None:
        await _check_supersede(
            session, recording_id=recording_id, old_id=supersedes_id, reason=reason
        )
    evaluation = QaEvaluation(
        recording_id=recording_id, form_id=form_id, evaluator_id=evaluator_id, ratings=ratings,
        score=result.score, critical_fail=result.critical_fail, comments=comments,
        item_comments=notes, supersedes_id=supersedes_id,
        supersede_reason=reason if supersedes_id is not None else None,
    )  # fmt: skip
    session.add(evaluation)
    await session.flush()
    return evaluation


async def _check_supersede(
    session: AsyncSession, *, recording_id: int, old_id: int, reason: str | None
) -> None:
    old = await session.get(QaEvaluation, old_id)
    if old is None or old.recording_id != recording_id:
        raise EvaluationInvalid(
            "The evaluation to supersede is not one of this recording's. / ผลประเมินที่จะแก้ไม่ใช่ของไฟล์นี้"
        )
    if not (reason or "").strip():
        raise EvaluationInvalid("Superseding an evaluation needs a reason. / การแก้คะแนนต้องระบุเหตุผล")
    newer = await session.scalar(
        select(QaEvaluation.id).where(QaEvaluation.supersedes_id == old_id)
    )
    if newer is not None:
        raise EvaluationSuperseded(
            "That evaluation was already superseded; supersede the newest one. "
            "/ ผลประเมินนี้ถูกแก้ไปแล้ว ให้แก้ฉบับล่าสุด",
            by=newer,
        )


def current(rows: list[QaEvaluation]) -> list[QaEvaluation]:
    """The evaluations no other one supersedes."""
    replaced = {e.supersedes_id for e in rows if e.supersedes_id is not None}
    return [e for e in rows if e.id not in replaced]


async def responses(*, session: AsyncSession, evaluation_ids: list[int]) -> dict[int, QaResponse]:
    """The agent's answer to each of these evaluations, if any."""
    if not evaluation_ids:
        return {}
    rows = await session.scalars(
        select(QaResponse).where(QaResponse.evaluation_id.in_(evaluation_ids))
    )
    return {r.evaluation_id: r for r in rows}


async def of_agent(
    *, session: AsyncSession, agent: str, limit: int = 200
) -> list[tuple[QaEvaluation, Recording]]:
    """The current evaluations of an agent's calls, newest first."""
    replaced = select(QaEvaluation.supersedes_id).where(QaEvaluation.supersedes_id.is_not(None))
    rows = await session.execute(
        select(QaEvaluation, Recording)
        .join(Recording, Recording.id == QaEvaluation.recording_id)
        .where(Recording.agent == agent, QaEvaluation.id.not_in(replaced))
        .order_by(QaEvaluation.id.desc())
        .limit(limit)
    )
    return [(e, r) for e, r in rows.all()]


async def respond(
    *,
    session: AsyncSession,
    evaluation: QaEvaluation,
    user_id: int,
    username: str,
    action: str,
    reason: str,
) -> QaResponse:
    """The agent's one answer to an evaluation: acknowledge, or dispute with a reason."""
    if action == "dispute" and not reason.strip():
        raise EvaluationInvalid("A dispute needs a reason. / การโต้แย้งต้องระบุเหตุผล")
    taken = await session.scalar(
        select(QaResponse).where(QaResponse.evaluation_id == evaluation.id)
    )
    if taken is not None:
        raise QaResponseExists(
            f"You answered this evaluation already ({taken.action}). / ตอบผลประเมินนี้แล้ว",
            action=taken.action,
        )
    answer = QaResponse(
        evaluation_id=evaluation.id, user_id=user_id, username=username, action=action,
        reason=reason.strip(),
    )  # fmt: skip
    session.add(answer)
    await session.flush()
    return answer


@dataclass(frozen=True)
class ItemSpread:
    criterion: dict[str, Any]
    points: list[float | None]  # per evaluation, 0–100 of the item (None: N/A)
    spread: float | None  # highest minus lowest of those rated (None: fewer than two)


@dataclass(frozen=True)
class Comparison:
    evaluations: list[QaEvaluation]  # each auditor's current evaluation, oldest first
    items: list[ItemSpread]
    score_spread: float | None


def compare(criteria: list[dict[str, Any]], rows: list[QaEvaluation]) -> Comparison:
    """Calibration: the auditors' current evaluations of one call on one form version, item
    by item (in points 0–100) and in total; the spread is highest minus lowest."""
    mine: dict[int, QaEvaluation] = {}
    for e in current(rows):
        mine[e.evaluator_id] = e  # oldest first: an auditor's newest wins
    chosen = sorted(mine.values(), key=lambda e: e.id)

    def spread(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return round(max(known) - min(known), 2) if len(known) >= 2 else None

    items = []
    for c in criteria:
        values = [points(c, e.ratings.get(c["key"])) for e in chosen]
        items.append(ItemSpread(c, values, spread(values)))
    return Comparison(chosen, items, spread([e.score for e in chosen]))
