"""--from/--to: dates alone are the centre's (Bangkok) days, words, ISO with a zone, and
advice that works when followed (clock injected: no dependence on when the test runs)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.cli_support import CENTRE_TZ, cell, centre_time, check_queue, iso_datetime
from callcenter.errors import InvalidInput

# 00:30 on 8 December in Bangkok is still 7 December in UTC: the day must be Bangkok's.
NOW = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)
BKK = CENTRE_TZ


def at(text: str, *, end: bool = False) -> datetime:
    return iso_datetime(text, "--from", end=end, now=NOW)


def test_a_date_alone_is_that_day_in_bangkok() -> None:
    assert at("2026-12-07") == datetime(2026, 12, 7, tzinfo=BKK)
    assert at("2026-12-07").utcoffset() == timedelta(hours=7)
    assert at("2026-12-07", end=True) == datetime(2026, 12, 8, tzinfo=BKK)


def test_words_today_yesterday_now_follow_the_centre_clock() -> None:
    assert at("today") == datetime(2026, 12, 8, tzinfo=BKK)
    assert at("Yesterday") == datetime(2026, 12, 7, tzinfo=BKK)
    assert at("today", end=True) == datetime(2026, 12, 9, tzinfo=BKK)
    assert at("now") == NOW


def test_full_iso_with_a_zone_and_a_date_with_an_offset() -> None:
    assert at("2026-12-07T08:00+07:00") == datetime(2026, 12, 7, 1, tzinfo=UTC)
    assert at("2026-12-07T01:00Z") == datetime(2026, 12, 7, 1, tzinfo=UTC)
    assert at("2026-12-07+07:00") == datetime(2026, 12, 7, tzinfo=BKK)
    assert at("2026-12-07+07:00", end=True) == datetime(2026, 12, 8, tzinfo=BKK)


@pytest.mark.parametrize(
    "text", ["2026-12-07T08:00", "2026-12-07 08:00:30", "7/12/2026", "2026-13-01"]
)
def test_refusals_give_advice_that_works_when_followed(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        at(text)
    message = refused.value.message
    assert message.startswith(f"--from {text!r}")
    examples = re.findall(r"e\.g\. ([^ ,)]+)", message)
    assert examples, message
    for example in examples:
        at(example)  # the advice itself is accepted
    assert "+07:00+07:00" not in message


def test_tables_show_centre_time_to_the_second_and_no_none() -> None:
    assert centre_time("2026-12-07T12:49:03.123456+00:00") == "2026-12-07 19:49:03"
    assert centre_time(None) == "–" and cell(None) == "–" and cell(0) == "0"


def test_an_unknown_queue_names_the_known_ones() -> None:
    with pytest.raises(
        InvalidInput, match="unknown queue 'nosuchqueue'; the centre's queues: a, b"
    ):
        check_queue("nosuchqueue", ["a", "b"])
    check_queue(None, ["a"])
