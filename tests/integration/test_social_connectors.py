"""Connectors against the local stand-in over real HTTP on 127.0.0.1: news feeds (RSS and
Atom, parsed by feedparser) and X API v2 recent search (paging, rate limits, outages)."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.config import Settings
from callcenter.social import poller as social_poller
from callcenter.social.models import Match, Mention
from callcenter.social.poller import SocialPoller
from callcenter.social.standin import StandIn
from tests.helpers import poll
from tests.integration.social_support import (
    FEEDS,
    Clock,
    add_keyword,
    add_source,
    mention_count,
    mentions,
    poller,
    publish,
    sessions,
    social_command,
    social_settings,
    source,
    stand_in,
)

pytestmark = pytest.mark.integration
__all__ = ["poller", "sessions", "social_settings", "stand_in"]  # fixtures used by name

Poller = tuple[SocialPoller, Clock]
Sessions = async_sessionmaker[AsyncSession]


async def matches_of(sessions: Sessions, keyword_id: int) -> set[str]:
    async with sessions() as session:
        stmt = select(Mention.url).join(Match).where(Match.keyword_id == keyword_id)
        return set((await session.scalars(stmt)).all())


async def test_news_feeds_are_stored_once_each_with_language_sentiment_and_a_link_back(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    keyword = await add_keyword(sessions, "คอลเซ็นเตอร์", exclusions=["รับสมัคร"])
    rss = await add_source(sessions, kind="rss", name="thainews",
                           url=f"{stand_in.url}/feeds/thainews-tech.rss")  # fmt: skip
    await add_source(sessions, kind="rss", name="consumer",
                     url=f"{stand_in.url}/feeds/consumer-news.atom")  # fmt: skip
    the_poller, _ = poller

    outcomes = await the_poller.poll_once()
    assert [(o.source, o.new, o.error) for o in outcomes] == [
        ("thainews", 5, ""),
        ("consumer", 3, ""),
    ]
    stored = {m.url: m for m in await mentions(sessions)}
    victim = stored["https://www.thainews.example/technology/2719288"]
    assert victim.channel == "news" and victim.language == "th"
    assert victim.sentiment == "negative" and victim.sentiment_by == "rules"
    assert "แก๊งคอลเซ็นเตอร์หลอกโอนเงิน" in victim.text and victim.author == "สมชาย ข่าวดี"
    thanks = stored["https://www.thainews.example/technology/2718977"]
    assert thanks.sentiment == "positive"
    english = stored["https://consumer-daily.example/en/2026/12/06/fake-parcel-calls"]
    assert english.language == "en" and english.sentiment_by == "vader"
    assert (
        "<p>" not in stored["https://consumer-daily.example/2026/12/07/fake-concert-tickets"].text
    )
    # the job advert names คอลเซ็นเตอร์ too, but its exclusion keeps it out
    assert await matches_of(sessions, keyword) == {
        "https://www.thainews.example/technology/2719288"
    }

    # Unchanged feeds: the stored ETag gets a 304 and nothing is added.
    assert [o.new for o in await the_poller.poll_once()] == [0, 0]
    cursor = (await source(sessions, rss)).cursor
    assert cursor["etag"] and cursor["latest"] == "2026-12-07T02:12:00+00:00"

    # The site publishes one more article: only it is new.
    assert stand_in.feeds is not None
    shutil.copy(FEEDS / "thainews-tech-later.rss", stand_in.feeds / "thainews-tech.rss")
    assert [o.new for o in await the_poller.poll_once()] == [1, 0]
    assert await mention_count(sessions) == 9


async def test_a_feed_that_is_down_backs_off_and_is_read_after_it_recovers(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    rss = await add_source(sessions, kind="rss", name="thainews",
                           url=f"{stand_in.url}/feeds/thainews-tech.rss")  # fmt: skip
    the_poller, clock = poller
    stand_in.feeds_down = True
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 0 and "503" in outcome.error
    failed = await source(sessions, rss)
    assert failed.failures == 1 and failed.resume_at is not None and failed.cursor == {}
    assert await the_poller.poll_once() == []  # waiting out its backoff

    stand_in.feeds_down = False
    clock.ahead_s = 31
    assert [o.new for o in await the_poller.poll_once()] == [5]
    recovered = await source(sessions, rss)
    assert recovered.failures == 0 and recovered.resume_at is None and recovered.last_error == ""


async def test_x_search_follows_next_token_pages_and_then_asks_only_since_the_newest_id(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    ids = publish(stand_in, 250)
    x = await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    the_poller, _ = poller

    assert [o.new for o in await the_poller.poll_once()] == [250]
    searches = stand_in.x.requests
    assert len(searches) == 3 and "next_token" not in searches[0]
    assert searches[1]["next_token"] and searches[2]["next_token"]
    assert searches[0]["tweet.fields"].split(",") >= ["created_at", "public_metrics"]
    assert (await source(sessions, x)).cursor == {"since_id": str(ids[-1])}

    stored = {m.external_id: m for m in await mentions(sessions)}
    first = stored[str(ids[0])]
    assert first.url == f"https://x.com/somchai_news/status/{ids[0]}"
    assert first.author == "@somchai_news" and first.author_followers == 120000
    assert first.province == "Chiang Mai"  # its place
    second = stored[str(ids[1])]
    assert second.province == "Bangkok"  # no place: the author's location
    assert (second.likes, second.shares, second.replies, second.quotes) == (1, 1, 1, 1)

    more = publish(stand_in, 3, first_id=ids[-1] + 1)
    assert [o.new for o in await the_poller.poll_once()] == [3]
    assert stand_in.x.requests[-1]["since_id"] == str(ids[-1])
    assert (await source(sessions, x)).cursor == {"since_id": str(more[-1])}
    assert await mention_count(sessions) == 253


async def test_x_429_is_waited_out_until_the_reset_header_and_the_round_completes(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    publish(stand_in, 120)
    await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    stand_in.x.too_many_for_s = 1.5  # the first search is refused, reset 1.5 s ahead
    started = time.monotonic()
    assert [(o.new, o.error) for o in await poller[0].poll_once()] == [(120, "")]
    assert time.monotonic() - started >= 1.0  # it did wait for the reset
    assert len(stand_in.x.requests) == 3  # the 429, then two pages


async def test_x_pages_wait_when_no_requests_are_left_in_the_window(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    publish(stand_in, 250)
    stand_in.x.limit, stand_in.x.window_s = 2, 2.0
    stand_in.x.window_start = time.time()
    await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    assert [(o.new, o.error) for o in await poller[0].poll_once()] == [(250, "")]
    assert len(stand_in.x.requests) == 3  # no 429: it waited for the window on its own


async def test_x_rate_limit_far_ahead_stops_the_round_and_resumes_at_the_reset(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    publish(stand_in, 150)
    x = await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    the_poller, clock = poller
    stand_in.x.too_many_for_s = 600  # longer than the connector waits (5 s in these tests)
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 0 and "Too Many Requests" in outcome.error
    limited = await source(sessions, x)
    assert limited.resume_at is not None
    assert abs(limited.resume_at.timestamp() - (time.time() + 600)) < 5
    assert limited.failures == 0 and limited.cursor == {}
    assert await the_poller.poll_once() == []  # not before the reset

    clock.ahead_s = 601
    stand_in.x.window_start = time.time() - stand_in.x.window_s  # the window has reset
    assert [o.new for o in await the_poller.poll_once()] == [150]


async def test_x_outage_mid_paging_keeps_what_came_and_recovers_without_duplicates(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    ids = publish(stand_in, 150)
    x = await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    the_poller, clock = poller
    stand_in.x.down_after = 1  # the first page comes, then 503s

    [outcome] = await the_poller.poll_once()
    assert outcome.new == 100 and "503" in outcome.error
    down = await source(sessions, x)
    assert down.failures == 1 and down.cursor == {}  # the cursor did not move on

    stand_in.x.down_after = None  # still down: the second failure waits twice as long
    clock.ahead_s = 31
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 0 and (await source(sessions, x)).failures == 2
    clock.ahead_s = 31 + 59
    assert await the_poller.poll_once() == []

    stand_in.x.down = False
    clock.ahead_s = 31 + 61
    assert [o.new for o in await the_poller.poll_once()] == [50]
    stored = [m.external_id for m in await mentions(sessions)]
    assert sorted(stored) == sorted(str(i) for i in ids)  # each once
    assert (await source(sessions, x)).cursor == {"since_id": str(ids[-1])}


async def test_x_wrong_token_is_an_error_the_source_shows(
    sessions: Sessions, poller: Poller, stand_in: StandIn
) -> None:
    stand_in.x.token = "another"
    x = await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    [outcome] = await poller[0].poll_once()
    assert "401" in outcome.error
    assert "401" in (await source(sessions, x)).last_error


async def test_the_poller_runs_on_its_interval_until_stopped(
    sessions: Sessions, social_settings: Settings, stand_in: StandIn
) -> None:
    assert social_poller.build(settings=social_settings, sessions=sessions) is None  # default off
    publish(stand_in, 5)
    await add_source(sessions, kind="x", name="x-1212", url=stand_in.url, query="1212")
    on = social_settings.model_copy(update={"social_poll_s": 0.3})
    running = social_poller.build(settings=on, sessions=sessions)
    assert running is not None
    await running.start()
    try:
        await poll(lambda: mention_count(sessions), timeout_s=10, what="the first round")
        first = len(stand_in.x.requests)
        publish(stand_in, 2, first_id=1870000000000000000)
        await poll(lambda: _count_is(sessions, 7), timeout_s=10, what="a later round")
        assert len(stand_in.x.requests) > first
    finally:
        await running.stop()


async def _count_is(sessions: Sessions, wanted: int) -> bool:
    return await mention_count(sessions) == wanted


async def test_the_poll_command_runs_one_round_and_says_what_came(
    sessions: Sessions, social_settings: Settings, stand_in: StandIn
) -> None:
    await add_source(sessions, kind="rss", name="thainews",
                     url=f"{stand_in.url}/feeds/thainews-tech.rss")  # fmt: skip

    async def run(*args: str) -> tuple[int, str]:
        return await social_command(social_settings, "poll", *args)

    code, out = await run("--json")
    assert code == 0, out
    assert json.loads(out) == [{"source": "thainews", "new": 5, "error": ""}]
    code, out = await run()
    assert code == 0 and "thainews: 0 new / ใหม่ 0 รายการ · ok" in out
    assert await mention_count(sessions) == 5
