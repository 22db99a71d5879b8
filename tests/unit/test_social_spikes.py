"""Volume spike rule of the social desk: the last hour against the same hour of earlier days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from callcenter.social.spikes import HourCounts, spikes

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
