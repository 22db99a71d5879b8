"""The reconciler follows queue_log: new lines only, calls continue across a rotation,
a truncated file is read again from the start, and no call is counted twice."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from callcenter.config import Settings
from callcenter.reconcile.service import Reconciler
from queue_metrics.config import MetricsConfig
from queue_metrics.records import Outcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ami"
TRANSFER = (FIXTURES / "transfer.queue_log").read_text().splitlines(keepends=True)
TIMEOUT = (FIXTURES / "timeout.queue_log").read_text().splitlines(keepends=True)
CONFIG = MetricsConfig()
# The reconciler's clock stands an hour after the recorded calls, whatever day the tests run.
RECORDED_AT = max(int(line.split("|", 1)[0]) for line in TRANSFER + TIMEOUT)


def _reconciler(path: Path) -> Reconciler:
    # Only the queue_log side is exercised here: no database session is opened.
    sessions: Any = None
    return Reconciler(
        settings=Settings(queue_log_path=path),
        sessions=sessions,
        config=CONFIG,
        clock=lambda: RECORDED_AT + 3600.0,
    )


def _write(path: Path, lines: list[str], mode: str = "a") -> None:
    with path.open(mode) as fh:
        fh.writelines(lines)


def _outcomes(records: list[Any]) -> list[tuple[str, str, Outcome | None]]:
    return [(r.call_id, r.queue, r.outcome) for r in records]


def test_new_lines_complete_open_calls_and_nothing_is_read_twice(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    _write(log, TRANSFER[:2])  # entered, answered: still talking
    reconciler = _reconciler(log)
    first = reconciler.queue_log_records()
    assert [(r.queue, r.outcome, r.talk_s) for r in first] == [
        ("online-shopping", Outcome.answered, None)
    ]
    assert reconciler.position.offset == log.stat().st_size

    _write(log, TRANSFER[2:])
    records = reconciler.queue_log_records()
    assert [(r.queue, r.talk_s) for r in records] == [
        ("online-shopping", 2),
        ("illegal-websites", 5),
    ]
    assert reconciler.queue_log_records() == records  # nothing new: same calls, not doubled


def test_a_call_continues_across_a_rotation(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    _write(log, TRANSFER[:3])
    reconciler = _reconciler(log)
    reconciler.queue_log_records()
    os.rename(log, tmp_path / "queue_log.1")  # logrotate: move away, Asterisk reopens
    _write(log, TRANSFER[3:] + TIMEOUT)
    for _ in range(2):  # the old file is drained first, then the new one is taken up
        records = reconciler.queue_log_records()
    assert _outcomes(records) == [
        ("kpi-e69e0dd0e7-net", "online-shopping", Outcome.answered),
        ("kpi-e69e0dd0e7-net", "illegal-websites", Outcome.answered),
        ("kpi-9287081a94-net", "online-shopping", Outcome.timeout),
    ]
    assert reconciler.position.inode == log.stat().st_ino


def test_after_a_rotation_calls_ended_long_ago_are_forgotten(tmp_path: Path) -> None:
    """Memory stays bounded by what the files hold: a finished call from the rotated file,
    ended more than the look-back ago, goes; a call still open across the rotation stays."""
    log = tmp_path / "queue_log"
    _write(log, _aged(TIMEOUT, days=3) + TRANSFER[:3])
    reconciler = _reconciler(log)
    assert len(reconciler.queue_log_records()) == 2
    os.rename(log, tmp_path / "queue_log.1")
    _write(log, TRANSFER[3:])
    for _ in range(2):
        records = reconciler.queue_log_records()
    assert _outcomes(records) == [
        ("kpi-e69e0dd0e7-net", "online-shopping", Outcome.answered),
        ("kpi-e69e0dd0e7-net", "illegal-websites", Outcome.answered),
    ]


def _aged(lines: list[str], *, days: int) -> list[str]:
    """The same lines, their epoch timestamps `days` earlier."""
    return [f"{int(t) - days * 86400}|{rest}" for t, rest in (ln.split("|", 1) for ln in lines)]


def test_a_truncated_file_is_read_again_from_the_start(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    _write(log, TRANSFER)
    reconciler = _reconciler(log)
    assert len(reconciler.queue_log_records()) == 2
    _write(log, TIMEOUT, mode="w")  # same inode, shorter than what was read
    records = reconciler.queue_log_records()
    assert _outcomes(records) == [("kpi-9287081a94-net", "online-shopping", Outcome.timeout)]
    assert reconciler.position.offset == log.stat().st_size
