"""The questionnaire's parsing and summary: what counts as a score, what is a comment."""

from __future__ import annotations

from datetime import UTC, datetime

from callcenter.chat import survey
from callcenter.chat.line_events import Inbound
from callcenter.chat.models import Satisfaction

T = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def _said(text: str, postback: str | None = None) -> Inbound:
    kind = "postback" if postback else "text"
    return Inbound(event_id="e", customer_id="U1", kind=kind, text=text, at=T,
                   external_id=None, reply_token=None, postback=postback)  # fmt: skip


def test_a_tapped_score_or_a_lone_digit_is_a_score_anything_else_is_not() -> None:
    assert survey.score_of(_said("4", postback="csat=4")) == 4
    assert survey.score_of(_said(" 5 ")) == 5
    assert survey.score_of(_said("3/5")) == 3
    for other in ("6", "10", "0", "2 เรื่อง", "hello"):
        assert survey.score_of(_said(other)) is None
    assert survey.score_of(_said("x", postback="csat=skip")) is None
    assert survey.score_of(_said("x", postback="csat=")) is None
    assert survey.score_of(_said("x", postback="csat=12")) is None


def test_an_email_answer_starts_with_the_number_and_the_rest_is_the_comment() -> None:
    assert survey.email_answer("5 ขอบคุณมากครับ") == (5, "ขอบคุณมากครับ")
    assert survey.email_answer("4\n\nslow at first") == (4, "slow at first")
    assert survey.email_answer("4.") == (4, "")
    assert survey.email_answer("12 days later still nothing") is None
    assert survey.email_answer("Thanks!") is None


def test_the_summary_counts_asked_answered_and_averages_the_scores() -> None:
    rows = [Satisfaction(score=s) for s in (5, 4, None, 2)]
    figures = survey.summary(rows)
    assert (figures["csat_asked"], figures["csat_answered"]) == (4, 3)
    assert figures["csat_response_pct"] == 75.0
    assert figures["csat_avg"] == 3.67
    assert figures["csat_scores"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert survey.summary([])["csat_avg"] is None
