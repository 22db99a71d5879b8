"""QA scores (qa-v2): scales, N/A left out of the weight, critical fails, calibration, forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from recordings.errors import EvaluationInvalid
from recordings.models import QaEvaluation
from recordings.names import Names
from recordings.qa import compare, points, score_of
from recordings.schemas import Criterion, QaFormIn

FORM: list[dict[str, Any]] = [
    {"key": "greeting", "weight": 1, "scale": "yes_no"},
    {"key": "privacy", "weight": 2, "scale": "yes_no", "critical": True},
    {"key": "accuracy", "weight": 3, "scale": "1-5"},
    {"key": "case_logged", "weight": 2, "scale": "yes_no", "allow_na": True},
    {"key": "closing", "weight": 2},  # a form of before qa-v2: 0–100
]
ALL_GOOD = {"greeting": 1, "privacy": 1, "accuracy": 5, "case_logged": 1, "closing": 100}


def test_each_scale_counts_its_share_of_the_weight() -> None:
    assert score_of(FORM, ALL_GOOD).score == 100.0
    # accuracy 3 of 1–5 is half its points: 3 × 50 of 10 × 100 lost 15 → 85
    assert score_of(FORM, {**ALL_GOOD, "accuracy": 3}).score == 85.0
    assert score_of(FORM, {**ALL_GOOD, "greeting": 0}).score == 90.0
    assert points(FORM[2], 4) == 75.0 and points(FORM[4], 40) == 40.0


def test_not_applicable_leaves_the_weight() -> None:
    # case_logged N/A: 8 of weight left; greeting "no" loses 1 of 8 → 87.5 (not 90 of 10)
    result = score_of(FORM, {**ALL_GOOD, "case_logged": None, "greeting": 0})
    assert result.score == 87.5 and not result.critical_fail


def test_a_critical_fail_makes_the_score_zero() -> None:
    result = score_of(FORM, {**ALL_GOOD, "privacy": 0})
    assert result.score == 0.0 and result.critical_fail


@pytest.mark.parametrize(
    ("ratings", "field"),
    [
        ({**ALL_GOOD, "accuracy": None}, "not_applicable_refused"),  # not an N/A item
        ({**ALL_GOOD, "accuracy": 6}, "out_of_range"),
        ({**ALL_GOOD, "accuracy": 2.5}, "out_of_range"),  # 1–5 in whole steps
        ({**ALL_GOOD, "greeting": 2}, "out_of_range"),
        ({**ALL_GOOD, "closing": -1}, "out_of_range"),
        ({k: v for k, v in ALL_GOOD.items() if k != "closing"}, "missing"),
    ],
)
def test_ratings_outside_the_form_are_refused(ratings: dict[str, Any], field: str) -> None:
    with pytest.raises(EvaluationInvalid) as caught:
        score_of(FORM, ratings)
    assert caught.value.details[field]


def test_every_item_not_applicable_is_refused() -> None:
    form = [{"key": "a", "weight": 1, "scale": "yes_no", "allow_na": True}]
    with pytest.raises(EvaluationInvalid, match="N/A"):
        score_of(form, {"a": None})


def evaluation(
    i: int, evaluator: int, ratings: dict[str, Any], *, supersedes: int | None = None
) -> QaEvaluation:
    result = score_of(FORM, ratings)
    return QaEvaluation(
        id=i, recording_id=1, form_id=1, evaluator_id=evaluator, ratings=ratings,
        score=result.score, critical_fail=result.critical_fail, supersedes_id=supersedes,
        submitted_at=datetime(2026, 12, 7, tzinfo=UTC),
    )  # fmt: skip


def test_calibration_compares_each_auditors_current_evaluation() -> None:
    rows = [
        evaluation(1, 10, ALL_GOOD),
        evaluation(2, 20, {**ALL_GOOD, "accuracy": 3, "case_logged": None}),
        evaluation(3, 10, {**ALL_GOOD, "greeting": 0}, supersedes=1),  # auditor 10 revised
    ]
    compared = compare(FORM, rows)
    assert [e.id for e in compared.evaluations] == [2, 3]
    by_key = {i.criterion["key"]: i for i in compared.items}
    assert by_key["accuracy"].points == [50.0, 100.0] and by_key["accuracy"].spread == 50.0
    assert by_key["greeting"].spread == 100.0
    assert by_key["case_logged"].points == [None, 100.0] and by_key["case_logged"].spread is None
    assert by_key["privacy"].spread == 0.0
    assert compared.score_spread == round(abs(rows[1].score - rows[2].score), 2)
    assert compare(FORM, rows[:1]).score_spread is None  # one auditor: nothing to compare


def test_a_form_is_checked_when_written() -> None:
    with pytest.raises(ValidationError, match="critical item is rated yes/no"):
        Criterion(key="a", label_en="A", label_th="ก", weight=1, scale="1-5", critical=True)
    item = {"key": "a", "label_en": "A", "label_th": "ก", "weight": 1}
    with pytest.raises(ValidationError, match="unique"):
        QaFormIn(name="x", criteria=[item, item])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        Criterion(key="a", label_en="A", label_th="ก", weight=1, scale="0-10")  # type: ignore[arg-type]


def test_names_replace_ids() -> None:
    names = Names({"online-shopping": ("ซื้อขายออนไลน์", "Online shopping")}, {"agent01": "Agent 01"})
    assert names.queue("online-shopping") == ("ซื้อขายออนไลน์", "Online shopping")
    assert names.queue("gone") == ("gone", "gone")
    assert names.agent("agent01") == "Agent 01"
    assert names.agent("sim-agent-02") == "Sim agent 02 · เจ้าหน้าที่จำลอง 02"
    assert names.agent("") == "" and names.agent("someone") == "someone"


def test_the_definition_is_named() -> None:
    from recordings import qa, schemas

    assert qa.VERSION == schemas.QA_DEFINITION == "qa-v2"
