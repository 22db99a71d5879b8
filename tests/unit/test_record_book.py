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
