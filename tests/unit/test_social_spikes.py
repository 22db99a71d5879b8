"""Volume spike rule of the social desk: the last hour against the same hour of earlier days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from callcenter.social.spikes import (
    HourCounts,
    Voice,
    influencers,
    negative_jumps,
    spikes,
    watched,
)

END = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
START = END - timedelta(hours=1)


def fired(now: int, before: list[int], *, factor: float = 3.0, min_count: int = 10) -> bool:
    counts = [HourCounts(keyword_id=4, keyword="บัญชีม้า", now=now, before=before)]
    return bool(spikes(counts, factor=factor, min_count=min_count, start=START, end=END))


def test_a_hour_far_above_the_same_hour_of_earlier_days_is_a_spike() -> None:
    assert fired(30, [4, 5, 3, 6, 4, 5, 4])
    assert not fired(30, [12, 11, 10, 13, 12, 9, 11])  # busy at this hour anyway


def test_a_quiet_baseline_counts_as_one_and_small_counts_never_fire() -> None:
    assert fired(10, [0] * 7)
    assert not fired(9, [0] * 7)  # under the minimum, however quiet the baseline
    assert not fired(2, [0] * 7, min_count=1)  # 2 is under 3 x 1


def test_the_alert_says_the_figures_in_thai_and_english_and_points_at_its_mentions() -> None:
    counts = [HourCounts(keyword_id=4, keyword="บัญชีม้า", now=30, before=[4] * 7)]
    [alert] = spikes(counts, factor=3.0, min_count=10, start=START, end=END)
    assert alert.id == "social_volume_spike:keyword:4"
    assert "บัญชีม้า" in alert.text_th and "30" in alert.text_th and "4.0" in alert.text_th
    assert "30 mentions in the last hour" in alert.text_en
    assert (alert.value, alert.threshold) == (30.0, 12.0)
    link = urlsplit(alert.field)
    query = parse_qs(link.query)
    assert link.path == "/api/v1/social/mentions" and query["keyword_id"] == ["4"]
    assert query["from"] == [START.isoformat()] and query["to"] == [END.isoformat()]


def test_a_jump_in_the_negative_share_fires_and_a_usual_share_does_not() -> None:
    usual = [10] * 7
    jump = HourCounts(4, "1212", now=20, before=usual, negative_now=12, negative_before=[2] * 7)
    steady = HourCounts(5, "สายด่วน", now=20, before=usual, negative_now=6, negative_before=[3] * 7)
    few = HourCounts(6, "DSI", now=5, before=usual, negative_now=5, negative_before=[0] * 7)
    [alert] = negative_jumps([jump, steady, few], points=20, min_count=10, start=START, end=END)
    assert alert.id == "social_negative_jump:keyword:4"
    assert (alert.value, alert.threshold) == (60.0, 40.0)  # 60 % against 20 % + 20 points
    assert "60%" in alert.text_th and "(usually 20%)" in alert.text_en
    assert parse_qs(urlsplit(alert.field).query)["sentiment"] == ["negative"]


def test_a_watched_keyword_fires_on_any_mention_and_others_do_not() -> None:
    counts = [
        HourCounts(7, "ดีอี", now=1, before=[0] * 7, watch=True),
        HourCounts(8, "ตำรวจไซเบอร์", now=0, before=[0] * 7, watch=True),
        HourCounts(9, "1212", now=50, before=[50] * 7),
    ]
    assert [a.id for a in watched(counts, start=START, end=END)] == [
        "social_watched_keyword:keyword:7"
    ]


def test_an_author_with_many_followers_mentioning_the_centre_fires() -> None:
    voices = [
        Voice("x", "1001", "@somchai_news", followers=120_000, mentions=2),
        Voice("x", "1002", "@nid", followers=800, mentions=9),
    ]
    [alert] = influencers(voices, followers=50_000, start=START, end=END)
    assert alert.id == "social_influencer:x:1001"
    assert "@somchai_news" in alert.text_th and "120,000 followers" in alert.text_en
