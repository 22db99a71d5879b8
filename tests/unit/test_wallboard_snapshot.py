"""The wallboard's snapshot: what a supervisor reads on the board (no I/O, injected clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callcenter import centre
from callcenter.live.records import RecordBook
from callcenter.live.wallboard import Wallboard
from queue_metrics.config import MetricsConfig
from queue_metrics.engine import MetricsEngine
from queue_metrics.events import CallAnswered, CallerJoined, MemberAdded
from queue_metrics.records import CallRecord, Outcome

LAYOUT = centre.load(Path(__file__).resolve().parents[2] / "asterisk_conf")
IVR_ORDER = [q.name for q in LAYOUT.queues]
T0 = 1_795_982_000.0


class Hub:
    def publish(self, topic: str, data: Any) -> int:
        return 0


def board(engine: MetricsEngine, now: float, book: RecordBook | None = None) -> Wallboard:
    config = MetricsConfig(queues=tuple(IVR_ORDER))
    return Wallboard(
        metrics=engine, book=RecordBook() if book is None else book, config=config, layout=LAYOUT,
        hub=Hub(), clock=lambda: now,  # type: ignore[arg-type]
    )  # fmt: skip


def engine_with_waiting_callers() -> MetricsEngine:
    engine = MetricsEngine(config=MetricsConfig(queues=tuple(IVR_ORDER)))
    for i, queue in enumerate(IVR_ORDER):
        engine.apply(
            MemberAdded(
                ts=T0,
                queue=queue,
                interface=f"PJSIP/agent0{i}",
                member=f"agent0{i}",
                status=1,
                paused=True,
                reason="meal",
                wrapup_s=0,
            )
        )
    # Two callers wait: 34 s in one queue, 14 s in another.
    engine.apply(CallerJoined(T0, "c1", "c1", IVR_ORDER[1], "0812345678", 1))
    engine.apply(CallerJoined(T0 + 20, "c2", "c2", IVR_ORDER[3], "0812345679", 1))
    return engine


def test_the_whole_centre_longest_wait_runs_from_its_oldest_caller() -> None:
    now = T0 + 34
    snap = board(engine_with_waiting_callers(), now).snapshot()
    queues = snap["queues"]
    assert queues[IVR_ORDER[1]]["oldest_entered_at"] == T0
    assert queues[IVR_ORDER[3]]["oldest_entered_at"] == T0 + 20
    # The board's clock runs from oldest_entered_at: the centre's must be the oldest caller's.
    assert snap["centre"]["oldest_entered_at"] == T0
    assert snap["centre"]["longest_wait_s"] == 34.0
    assert snap["centre"]["waiting"] == 2


def test_queues_come_in_the_ivr_order_not_alphabetical() -> None:
    snap = board(engine_with_waiting_callers(), T0 + 1).snapshot()
    assert list(snap["queues"]) == IVR_ORDER == snap["order"]
    assert sorted(IVR_ORDER) != IVR_ORDER  # the layout is not alphabetical: the test can fail


def test_pause_reasons_carry_thai_and_english_names() -> None:
    snap = board(engine_with_waiting_callers(), T0 + 1).snapshot()
    paused = snap["queues"][IVR_ORDER[0]]["paused"]
    assert paused == [
        {"reason": "meal", "label_th": "พักรับประทานอาหาร", "label_en": "Meal", "count": 1}
    ]
    assert snap["centre"]["paused"][0]["count"] == len(IVR_ORDER)


def record(call_id: str, queue: str, outcome: Outcome, wait_s: int, at: float) -> CallRecord:
    return CallRecord(
        call_id=call_id, queue=queue, entered_at=at, outcome=outcome, wait_s=wait_s,
        caller="0812345678", linkedid=call_id,
    )  # fmt: skip


def test_dash_bars_say_why_only_short_abandons_came_in() -> None:
    now = T0 + 3600
    book = RecordBook()
    wallboard = board(MetricsEngine(config=MetricsConfig(queues=tuple(IVR_ORDER))), now, book)
    wallboard.snapshot()  # the day's window is built
    for i in range(2):
        book.put(record(f"s{i}", IVR_ORDER[0], Outcome.abandoned, 2, now - 60 - i))
    snap = wallboard.snapshot()
    q = snap["queues"][IVR_ORDER[0]]
    assert q["kpi"]["offered"] == 2 and q["kpi"]["sl_pct"] is None
    assert q["kpi_note"]["en"] == (
        "no calls counted: 2 offered, 2 short abandon(s), 0 withdrawn (not counted in %)"
    )
    assert "สายวางเร็ว 2 สาย" in q["kpi_note"]["th"]
    quiet = snap["queues"][IVR_ORDER[1]]
    assert quiet["kpi_note"] == {"th": "ยังไม่มีสายเข้าวันนี้", "en": "no calls offered yet today"}


def test_the_agent_grid_shows_state_since_queue_masked_caller_and_today() -> None:
    engine = engine_with_waiting_callers()
    queue = IVR_ORDER[1]
    engine.apply(
        MemberAdded(
            ts=T0,
            queue=queue,
            interface="PJSIP/agent07",
            member="agent07",
            status=1,
            paused=False,
            reason="",
            wrapup_s=0,
        )
    )
    now = T0 + 40
    book = RecordBook()
    wallboard = board(engine, now, book)
    wallboard.snapshot()
    # Earlier today agent07 handled two calls: 100 s + 20 s wrap-up and 60 s + 20 s.
    for i, talk in enumerate((100, 60)):
        book.put(
            CallRecord(
                call_id=f"a{i}",
                linkedid=f"a{i}",
                queue=queue,
                entered_at=now - 900 + i,
                outcome=Outcome.answered,
                wait_s=3,
                agent="agent07",
                talk_s=talk,
                wrapup_s=20,
            )
        )
    wallboard.changed(engine.apply(CallAnswered(T0 + 30, "c1", "c1", queue, "PJSIP/agent07",
                                                "agent07", "ch-1", 30, 2)))  # fmt: skip
    snap = wallboard.snapshot()
    (row,) = [a for a in snap["agents"] if a["agent"] == "agent07"]
    assert row["state"] == "on_call" and row["queue"] == queue
    assert row["caller"] == "******5678"  # masked (PDPA)
    assert row["answered_today"] == 2 and row["aht_today_s"] == 100.0  # (120 + 80) / 2
    assert row["since"] == now and row["spy"] is True
    assert row["name"] == next(a.name for a in LAYOUT.agents if a.id == "agent07")
    paused = [a for a in snap["agents"] if a["state"] == "paused"]
    assert paused and paused[0]["reason_en"] == "Meal" and paused[0]["since"] is None
    assert all(a["state"] != "logged_out" for a in snap["agents"])


def test_waiting_callers_have_position_wait_ivr_choice_and_owed_callback_flag() -> None:
    wallboard = board(engine_with_waiting_callers(), T0 + 34)
    wallboard.set_owed(lambda number: number == "0812345679")
    snap = wallboard.snapshot()
    (first,) = snap["queues"][IVR_ORDER[1]]["calls"]
    digit = LAYOUT.queues[1].digit
    assert first == {
        "position": 1, "entered_at": T0, "caller": "******5678", "ivr_digit": digit,
        "ivr_th": LAYOUT.queues[1].label_th, "ivr_en": LAYOUT.queues[1].label_en,
        "owed_callback": False,
    }  # fmt: skip
    (second,) = snap["queues"][IVR_ORDER[3]]["calls"]
    assert second["owed_callback"] is True and second["caller"] == "******5679"
    assert "0812345678" not in str(snap)  # no full number anywhere on the board
