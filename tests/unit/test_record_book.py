"""The record book finds a queue call by its entry time as the reconciler matches it (±2 s)."""

from __future__ import annotations

from callcenter.live.records import RecordBook
from queue_metrics.records import CallRecord, Outcome


def record(entered_at: float, **more: object) -> CallRecord:
    return CallRecord(call_id="c1-net", linkedid="c1", queue="q", entered_at=entered_at).with_(
        **more
    )


def test_a_call_is_found_within_two_seconds_of_its_entry_and_not_beyond() -> None:
    book = RecordBook()
    book.put(record(1000.4, outcome=Outcome.abandoned, wait_s=3, ended_at=1003.4))
    found = book.near("c1-net", "q", 1002.3, 2.0)
    assert found is not None and found.finished
    assert book.near("c1-net", "q", 998.5, 2.0) is not None
    assert book.near("c1-net", "q", 1002.5, 2.0) is None  # 2.1 s later: another entry
    assert book.near("c1-net", "other-queue", 1000.4, 2.0) is None
    assert book.near("c2-net", "q", 1000.4, 2.0) is None


def test_the_latest_version_of_a_call_is_the_one_found() -> None:
    book = RecordBook()
    book.put(record(1000.0))
    book.put(record(1000.0, outcome=Outcome.answered, wait_s=1, answered_at=1001.0, talk_s=20))
    found = book.near("c1-net", "q", 1000.9, 2.0)
    assert found is not None and found.talk_s == 20


def test_queue_logs_figures_win_over_a_stored_call_a_second_off() -> None:
    """Asterisk wrote AgentConnect HoldTime 14 and queue_log's CONNECT 13 for one call (two
    reads of its clock across a second boundary, seen under load): the reconciler stores
    queue_log's wait and keeps what only AMI knows."""
    from callcenter.reconcile.service import agree, missing

    live = record(1000.08, outcome=Outcome.answered, wait_s=14, answered_at=1019.1, talk_s=20,
                  hold_s=4, ended_at=1034.7, agent="a1")  # fmt: skip
    logged = record(1000.0, outcome=Outcome.answered, wait_s=13, answered_at=1013.0, talk_s=20,
                    ended_at=1034.0, agent="a1")  # fmt: skip
    assert not agree([live], [logged])
    (fixed,) = missing([live], [logged], before=2000.0)
    assert (fixed.wait_s, fixed.talk_s, fixed.hold_s, fixed.entered_at) == (13, 20, 4, 1000.08)
    assert agree([fixed], [logged]) and missing([fixed], [logged], before=2000.0) == []
