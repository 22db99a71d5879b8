"""QA scoring: weighted criteria, immutable evaluations, superseded only with a reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from recordings.errors import EvaluationInvalid, EvaluationSuperseded, QaFormExists, QaFormNotFound
from recordings.models import QaEvaluation, QaForm


def weighted_score(criteria: list[dict[str, Any]], ratings: dict[str, float]) -> float:
    """0–100: the ratings (each 0–100) averaged with the form's weights."""
    keys = {c["key"] for c in criteria}
    missing, unknown = keys - ratings.keys(), ratings.keys() - keys
    if missing or unknown:
        raise EvaluationInvalid(
            "Rate every criterion of the form, and only those.",
            missing=sorted(missing),
            unknown=sorted(unknown),
        )
    bad = sorted(k for k, v in ratings.items() if not 0 <= v <= 100)
    if bad:
        raise EvaluationInvalid("Each rating is between 0 and 100.", out_of_range=bad)
    total = sum(float(c["weight"]) for c in criteria)
    return round(sum(float(c["weight"]) * ratings[c["key"]] for c in criteria) / total, 2)


async def forms(*, session: AsyncSession) -> list[QaForm]:
    """Active forms, oldest first."""
    return list(await session.scalars(select(QaForm).where(QaForm.active).order_by(QaForm.id)))


async def add_form(*, session: AsyncSession, name: str, criteria: list[dict[str, Any]]) -> QaForm:
    """A new form (existing evaluations keep pointing at the form they used)."""
    taken = await session.scalar(select(QaForm.id).where(QaForm.name == name))
    if taken is not None:
        raise QaFormExists(
            f"A QA form named {name!r} exists already. / มีแบบประเมินชื่อนี้แล้ว",
            name=name, form_id=taken,
        )  # fmt: skip
    form = QaForm(name=name, criteria=criteria, active=True)
    session.add(form)
    await session.flush()  # a concurrent twin still fails here: errors.py answers 409
    return form


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
    ratings: dict[str, float],
    comments: str,
    supersedes_id: int | None,
    reason: str | None,
) -> QaEvaluation:
    """A new, immutable evaluation; replacing one needs its id and a reason."""
    form = await session.get(QaForm, form_id)
    if form is None:
        raise QaFormNotFound(f"No QA form {form_id}.", form_id=form_id)
    score = weighted_score(form.criteria, ratings)
    if supersedes_id is not None:
        await _check_supersede(
            session, recording_id=recording_id, old_id=supersedes_id, reason=reason
        )
    evaluation = QaEvaluation(
        recording_id=recording_id, form_id=form_id, evaluator_id=evaluator_id, ratings=ratings,
        score=score, comments=comments, supersedes_id=supersedes_id,
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
        raise EvaluationInvalid("The evaluation to supersede is not one of this recording's.")
    if not (reason or "").strip():
        raise EvaluationInvalid("Superseding an evaluation needs a reason.")
    newer = await session.scalar(
        select(QaEvaluation.id).where(QaEvaluation.supersedes_id == old_id)
    )
    if newer is not None:
        raise EvaluationSuperseded(
            "That evaluation was already superseded; supersede the newest one.", by=newer
        )
