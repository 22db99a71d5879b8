"""CSAT answers from the dialplan's UserEvent (callcenter/csat/service.py)."""

from __future__ import annotations

from callcenter.csat.service import answer


def _event(**extra: str) -> dict[str, str]:
    return {
        "Event": "UserEvent", "UserEvent": "CsatResult", "Uniqueid": "1796.5",
        "Linkedid": "1796.5", "Timestamp": "1796686622.5", "Queue": "digital-law",
        "Agent": "sim-agent-01", "Language": "en", **extra,
    }  # fmt: skip


def test_a_rating_and_solved_are_stored_against_call_agent_and_queue() -> None:
    row = answer(_event(Rating="4", Solved="1"))
    assert row is not None
    assert (row["rating"], row["solved"], row["language"]) == (4, True, "en")
    assert (row["call_id"], row["linkedid"], row["queue"], row["agent"]) == (
        "1796.5", "1796.5", "digital-law", "sim-agent-01",
    )  # fmt: skip
    assert row["at"].timestamp() == 1796686622.5


def test_no_or_bad_keys_are_an_offered_survey_without_an_answer() -> None:
    for rating in ("", "0", "6", "44", "#"):
        row = answer(_event(Rating=rating, Solved="1"))
        assert row is not None and row["rating"] is None and row["solved"] is None
    row = answer(_event(Rating="5", Solved="9"))
    assert row is not None and (row["rating"], row["solved"]) == (5, None)
    assert answer(_event(Rating="2", Solved="2"))["solved"] is False  # type: ignore[index]


def test_other_user_events_are_not_csat() -> None:
    assert answer({"Event": "UserEvent", "UserEvent": "QueueOutcome", "Uniqueid": "1"}) is None
    assert answer(_event(Uniqueid="")) is None
