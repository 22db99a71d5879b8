"""The chat desk's first-reply SLA in business hours: the due time counts only open time
(Asia/Bangkok), over nights, weekends and holidays; the file is checked at start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.chat import bot, sla
from callcenter.chat.line_events import Inbound
from callcenter.config import Settings
from callcenter.ivrconf import CENTRE_TZ, parse_hours

WEEKDAYS = {day: "08:30-16:30" for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = parse_hours(WEEKDAYS, where="test", prompt=False)


def bkk(text: str) -> datetime:
    """A Bangkok wall-clock time (2026-12-07 is a Monday)."""
    return datetime.fromisoformat(text).replace(tzinfo=CENTRE_TZ)


def test_a_friday_evening_hand_off_is_due_on_monday_morning() -> None:
    due = OFFICE.open_after(bkk("2026-12-11T18:00"), 1800)  # Friday, after closing
    assert due == bkk("2026-12-14T09:00")  # Monday 08:30 + 30 min
    assert due.tzinfo == UTC


def test_a_hand_off_inside_hours_is_due_after_the_target_as_usual() -> None:
    assert OFFICE.open_after(bkk("2026-12-08T10:00"), 1800) == bkk("2026-12-08T10:30")
    # exactly at closing: due at closing (the last open second counts)
    assert OFFICE.open_after(bkk("2026-12-08T16:00"), 1800) == bkk("2026-12-08T16:30")


def test_the_clock_stops_overnight_and_goes_on_next_morning() -> None:
    # 10 minutes left at closing on Tuesday, the other 20 on Wednesday morning
    assert OFFICE.open_after(bkk("2026-12-08T16:20"), 1800) == bkk("2026-12-09T08:50")
    # before opening: the clock starts at 08:30
    assert OFFICE.open_after(bkk("2026-12-08T03:00"), 1800) == bkk("2026-12-08T09:00")


def test_a_24_hour_target_in_office_hours_spans_three_working_days_and_a_weekend() -> None:
    # 24 h of open time = three 8-hour days: Thursday 10:00 → Friday, Monday, Tuesday 10:00
    assert OFFICE.open_after(bkk("2026-12-10T10:00"), 86400) == bkk("2026-12-15T10:00")


def test_holidays_are_skipped() -> None:
    hours = parse_hours(
        {**WEEKDAYS, "closed_dates": ["2026-12-31", "2027-01-01"]}, where="t", prompt=False
    )
    # Wednesday 30 Dec at 16:20: 10 min that day, then 31 Dec and 1 Jan (holidays) and the
    # weekend are closed: Monday 4 January 08:50
    assert hours.open_after(bkk("2026-12-30T16:20"), 1800) == bkk("2027-01-04T08:50")


def test_lunch_breaks_and_24_00_ends_are_open_time_only_where_listed() -> None:
    hours = parse_hours(
        {"mon": ["08:30-12:00", "13:00-16:30"], "sat": "20:00-24:00", "sun": "00:00-02:00"},
        where="t", prompt=False,
    )  # fmt: skip
    assert hours.open_after(bkk("2026-12-07T11:50"), 1800) == bkk("2026-12-07T13:20")
    # Saturday 23:50 → 10 min to midnight, 20 min into Sunday
    assert hours.open_after(bkk("2026-12-12T23:50"), 1800) == bkk("2026-12-13T00:20")


def test_bangkok_keeps_no_summer_time_across_europes_clock_changes() -> None:
    # 24/7 with only a holiday: a week across Europe's 29 March 2026 change is 7 × 24 h
    hours = parse_hours({"closed_dates": ["2026-03-31"]}, where="t", prompt=False)
    start = bkk("2026-03-27T12:00")
    due = hours.open_after(start, 6 * 86400)
    assert due == bkk("2026-04-03T12:00")  # six open days: the holiday added one
    assert due - start == timedelta(days=7)
    assert all(hours.open_at(start + timedelta(hours=h)) == (
        (start + timedelta(hours=h)).astimezone(CENTRE_TZ).date() != datetime(2026, 3, 31).date()
    ) for h in range(0, 7 * 24))  # fmt: skip


def test_open_after_agrees_with_open_at() -> None:
    start = bkk("2026-12-11T15:00")
    due = OFFICE.open_after(start, 3 * 3600)
    span = int((due - start).total_seconds() // 60)
    minutes = [start + timedelta(minutes=m) for m in range(span)]
    assert sum(OFFICE.open_at(m) for m in minutes) == 180  # every open minute counted once


def test_the_shipped_file_is_24_7_with_the_settings_targets() -> None:
    rules = sla.load(sla.DEFAULT, chat_s=1800, email_s=86400)
    start = bkk("2026-12-11T18:00")
    assert rules.due("line", start) == start + timedelta(minutes=30)
    assert rules.due("facebook", start) == start + timedelta(minutes=30)
    assert rules.due("email", start) == start + timedelta(hours=24)
    assert all(rules.around_the_clock(c) for c in sla.CHANNELS)


def test_each_channel_has_its_own_hours_and_target_and_hours_is_their_default() -> None:
    rules = sla.parse(
        {
            "hours": WEEKDAYS,
            "line": {"hours": {}},  # an empty table: LINE stays 24/7
            "email": {"target_s": 4 * 3600},
        },
        chat_s=1800, email_s=86400, where="sla.toml",
    )  # fmt: skip
    friday = bkk("2026-12-11T18:00")
    assert rules.due("line", friday) == bkk("2026-12-11T18:30")
    assert rules.due("facebook", friday) == bkk("2026-12-14T09:00")
    assert rules.due("email", friday) == bkk("2026-12-14T12:30")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[line.hours]\nmon = "8:30-16:30"\n', "[line.hours]: mon = '8:30-16:30' is not HH:MM"),
        ('[email.hours]\nfri = "16:30-08:30"\n', "ends before it starts"),
        ('[email.hours]\nclosed_dates = ["31/12/2026"]\n', "is not YYYY-MM-DD"),
        ('[hours]\nclosed_prompt = "closed"\n', "unknown keys ['closed_prompt']"),
        ("[line]\ntarget_s = 0\n", "[line]: target_s must be a positive number"),
        ("[line]\ntarget = 60\n", "[line]: unknown keys ['target']"),
        ("[whatsapp]\n", "unknown tables ['whatsapp']"),
        ('line = "24/7"\n', "[line]: must be a table"),
        ("[email\n", "cannot read"),
    ],
)
def test_a_broken_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        sla.load(path, chat_s=1800, email_s=86400)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_the_desk_reads_the_file_the_settings_name(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text('[facebook]\ntarget_s = 600\n[facebook.hours]\nsun = "10:00-11:00"\n')
    rules = sla.from_settings(Settings(chat_sla=path, chat_first_reply_sla_s=900))
    assert rules.target("line") == 900 and rules.target("facebook") == 600
    assert rules.due("facebook", bkk("2026-12-13T10:55")) == bkk("2026-12-20T10:05")
    assert sla.from_settings(Settings(chat_sla="")).around_the_clock("email")  # "": shipped


def test_out_of_hours_the_bot_tells_the_customer_the_reply_time_not_minutes() -> None:
    seen = bot.Seen(state="bot", lang="th", failures=0)
    ask = Inbound(
        event_id="e1", customer_id="U1", kind="text", text="แอดมิน", at=bkk("2026-12-11T18:00"),
        external_id="m1", reply_token=None,
    )  # fmt: skip
    monday = bkk("2026-12-14T09:00")
    [told] = bot.turn(seen, ask, lines=[], sla_minutes=30, reply_by=monday).replies
    assert "นอกเวลาทำการ" in told["text"] and "14/12/2569 09:00 น." in told["text"]
    english = bot.Seen(state="bot", lang="en", failures=0)
    [told] = bot.turn(english, ask, lines=[], sla_minutes=30, reply_by=monday).replies
    assert "by 2026-12-14 09:00" in told["text"]
    [told] = bot.turn(english, ask, lines=[], sla_minutes=30).replies
    assert "within 30 minutes" in told["text"]
