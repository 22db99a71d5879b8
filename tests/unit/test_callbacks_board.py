"""The wallboard's callbacks section and the agent's screen pop (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.callbacks import service as cb_service
from callcenter.callbacks.detector import Detector
from callcenter.callbacks.dialer import DialConfig
from callcenter.callbacks.models import CallbackTask
from callcenter.callbacks.popup import screen_pop

T0 = datetime(2026, 11, 29, 7, 3, 4, tzinfo=UTC)  # 14:03:04 in Bangkok
POLICY = cb_service.Policy(
    window_s=1800, offsets=(0.0,), number_pattern=r"0\d{9}", short_abandon_s=5
)


def detector() -> Detector:
    return Detector(
        sessions=None,  # type: ignore[arg-type]
        policy=POLICY,
        on_due=None,
        on_closed=None,
        on_summary=lambda: None,
        soon_s=300,
    )


def test_board_shows_open_count_oldest_age_and_a_red_mark_near_the_deadline() -> None:
    d = detector()
    d.summary = (3, T0, T0 + timedelta(seconds=1800), 1, 5, 2)
    calm: dict[str, Any] = d.board_section(now=T0.timestamp() + 600)
    assert calm == {
        "open": 3, "oldest_age_s": 600.0, "oldest_dropped_at": T0.timestamp(),
        "nearest_deadline_s": 1200.0, "deadline_soon": False,
        "dialing": 1, "reached_24h": 5, "not_reached_24h": 2,
    }  # fmt: skip
    late = d.board_section(now=T0.timestamp() + 1600)
    assert late["deadline_soon"] is True and late["nearest_deadline_s"] == 200.0


def test_board_without_callbacks() -> None:
    section = detector().board_section(now=T0.timestamp())
    assert section["open"] == 0 and section["oldest_age_s"] is None
    assert section["deadline_soon"] is False


def test_screen_pop_says_who_when_and_which_queue_in_thai_and_english() -> None:
    task = CallbackTask(
        id=7, number="0869123450", queue="digital-law", dropped_at=T0,
        deadline_at=T0 + timedelta(seconds=1800), attempts=1,
    )  # fmt: skip
    config = DialConfig(
        out_context="sim-customers", agent_ring_s=20, customer_ring_s=30, tz="Asia/Bangkok",
        labels={"digital-law": ("กฎหมายดิจิทัล", "Digital law")},
    )  # fmt: skip
    pop = screen_pop(task, config)
    assert pop["text_en"] == "Callback to 0869123450, dropped at 14:03:04, queue Digital law"
    assert pop["text_th"] == "โทรกลับหา 0869123450 สายหลุดเวลา 14:03:04 คิว กฎหมายดิจิทัล"
    assert pop["type"] == "callback" and pop["task_id"] == 7
