"""Facebook Page posts and comments (Graph API) and YouTube comments (Data API v3) through
their connectors against the local stand-in over real HTTP: paging, cursors kept in the
database, rate limits (Graph error codes and usage headers, YouTube's quotaExceeded) and
outages."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.social.poller import SocialPoller
from callcenter.social.standin_platforms import PlatformStandIn
from tests.integration.social_support import (
    Clock,
    add_source,
    mention_count,
    mentions,
    platforms,
    poller,
    sessions,
    social_settings,
    source,
)

pytestmark = pytest.mark.integration
__all__ = ["platforms", "poller", "sessions", "social_settings"]  # fixtures used by name

Poller = tuple[SocialPoller, Clock]
Sessions = async_sessionmaker[AsyncSession]
DAY = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
CHANNEL_ID = "UC1212occThailand00000"
WARNINGS = [
    "เตือนภัย! มิจฉาชีพแอบอ้างเป็นเจ้าหน้าที่ไปรษณีย์ โทรแจ้งพัสดุผิดกฎหมาย อย่าโอนเงิน",
    "ถูกหลอกโอนเงิน แจ้งสายด่วน 1212 ได้ตลอด 24 ชั่วโมง",
    "Beware of fake investment pages: report them to 1212 OCC",
]


def page_posts(stand_in: PlatformStandIn, count: int, *, first: int = 0) -> list[str]:
    """`count` page posts one hour apart from a fixed day."""
    return [
        stand_in.page_post(
            message=f"{WARNINGS[n % 3]} ({n})",
            at=DAY + timedelta(hours=n),
            reactions=n * 3,
            shares=n % 11,
        )
        for n in range(first, first + count)
    ]


async def facebook_source(sessions: Sessions, stand_in: PlatformStandIn) -> int:
    return await add_source(sessions, kind="facebook", name="fb-1212",
                            url=stand_in.url, query=stand_in.graph.page_id)  # fmt: skip


async def test_page_posts_and_their_comments_page_through_after_cursors_and_then_only_new_come(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    posts = page_posts(platforms, 130)
    for n in range(120):  # the newest post draws many comments: two pages of them
        at = DAY + timedelta(hours=130, minutes=n)
        platforms.comment(posts[-1], message=f"ขอบคุณที่เตือนครับ แชร์ต่อแล้ว {n}", at=at,
                          name="สมหญิง ใจดี", likes=n)  # fmt: skip
    platforms.comment(posts[-2], message="โดนหลอกโอนเงินไปห้าพัน เจ็บใจมาก", name="Nok Tanaporn",
                      at=DAY + timedelta(hours=129, minutes=5), likes=7)  # fmt: skip
    fb = await facebook_source(sessions, platforms)
    the_poller, _ = poller

    assert [(o.new, o.error) for o in await the_poller.poll_once()] == [(130 + 121, "")]
    asked = platforms.graph.requests
    post_pages = [p for path, p in asked if path.endswith("/posts")]
    assert len(post_pages) == 2 and "after" not in post_pages[0] and post_pages[1]["after"]
    assert "since" not in post_pages[0]
    newest_comments = [p for path, p in asked if path.endswith(f"{posts[-1]}/comments")]
    assert len(newest_comments) == 2  # 120 comments, 100 a page
    assert len([p for p, _ in asked if p.endswith("/comments")]) == 20 + 1  # the newest 20 posts

    stored = {m.external_id: m for m in await mentions(sessions)}
    newest = stored[posts[-1]]
    assert newest.channel == "facebook" and newest.author == "ศูนย์ 1212 OCC"
    assert newest.url == f"https://www.facebook.com/{platforms.graph.page_id}/posts/{posts[-1]}"
    assert (newest.likes, newest.shares, newest.replies) == (129 * 3, 129 % 11, 120)
    assert newest.language == "th" and newest.text.startswith("Beware") is False
    victim = next(m for m in stored.values() if m.author == "Nok Tanaporn")
    assert victim.likes == 7 and victim.sentiment == "negative"
    assert victim.url.startswith(f"https://www.facebook.com/{posts[-2]}?comment_id=")
    cursor = (await source(sessions, fb)).cursor
    assert cursor["since"] == int((DAY + timedelta(hours=129)).timestamp())
    assert len(cursor["follow"]) == 20

    # Later: one new post, one new comment on an older post; nothing else comes again.
    platforms.comment(posts[-2], message="แจ้ง 1212 แล้ว ได้เลขรับเรื่องแล้วครับ", name="Korn",
                      at=DAY + timedelta(hours=140))  # fmt: skip
    page_posts(platforms, 1, first=200)
    before = len(asked)
    assert [o.new for o in await the_poller.poll_once()] == [2]
    again = [p for path, p in asked[before:] if path.endswith("/posts")]
    assert again[0]["since"] == str(cursor["since"] + 1)
    assert await mention_count(sessions) == 130 + 121 + 2


async def test_a_graph_rate_limit_without_a_regain_time_is_waited_out_and_the_round_completes(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    page_posts(platforms, 30)
    await facebook_source(sessions, platforms)
    platforms.graph.limited, platforms.graph.limit_code = 1, 4  # "(#4) Application request limit"
    started = time.monotonic()
    assert [(o.new, o.error) for o in await poller[0].poll_once()] == [(30, "")]
    assert time.monotonic() - started >= 0.9  # social_graph_wait_s (1 s in these tests)


async def test_a_page_limit_with_regain_time_stops_the_round_until_then_keeping_what_came(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    posts = page_posts(platforms, 150)
    fb = await facebook_source(sessions, platforms)
    the_poller, clock = poller

    # "(#32) Page request limit reached", back in 30 minutes as the BUC header says
    platforms.graph.limited, platforms.graph.regain_minutes = 1, 30
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 0 and "#32" in outcome.error
    limited = await source(sessions, fb)
    assert limited.resume_at is not None and limited.failures == 0
    assert abs(limited.resume_at.timestamp() - (time.time() + 1800)) < 10
    assert await the_poller.poll_once() == []  # not before then

    # Then the usage headers say 97 %: the first page is kept and the round stops again.
    platforms.graph.usage = 97
    clock.ahead_s = 1801
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 100 and "usage at 97%" in outcome.error
    assert (await source(sessions, fb)).cursor == {}  # the cursor did not move on

    platforms.graph.usage, platforms.graph.regain_minutes = 10, 0
    clock.ahead_s = 2 * 1801
    assert [(o.new, o.error) for o in await the_poller.poll_once()] == [(50, "")]
    assert sorted(m.external_id for m in await mentions(sessions)) == sorted(posts)  # each once


async def test_a_graph_outage_mid_paging_backs_off_and_recovers_without_duplicates(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    posts = page_posts(platforms, 150)
    fb = await facebook_source(sessions, platforms)
    the_poller, clock = poller
    platforms.graph.down_after = 1
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 100 and "HTTP 500" in outcome.error
    assert (await source(sessions, fb)).failures == 1

    platforms.graph.down, platforms.graph.down_after = False, None
    clock.ahead_s = 31
    assert [o.new for o in await the_poller.poll_once()] == [50]
    assert sorted(m.external_id for m in await mentions(sessions)) == sorted(posts)
    assert (await source(sessions, fb)).failures == 0


async def test_a_wrong_page_token_shows_graphs_message_on_the_source(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    platforms.graph.token = "another"
    fb = await facebook_source(sessions, platforms)
    [outcome] = await poller[0].poll_once()
    assert "Invalid OAuth access token" in outcome.error
    assert "HTTP 400" in (await source(sessions, fb)).last_error


def comment_threads(stand_in: PlatformStandIn, count: int, *, first: int = 0,
                    video: str = "dQw1212abcd") -> list[str]:  # fmt: skip
    return [
        stand_in.thread(
            video_id=video,
            channel_id=CHANNEL_ID,
            text=f"{WARNINGS[n % 3]} #{n}",
            at=DAY + timedelta(minutes=10 * n),
            author=f"viewer{n % 9}",
            likes=n % 13,
            replies=n % 4,
        )
        for n in range(first, first + count)
    ]


async def test_youtube_comment_threads_page_through_next_page_token_then_stop_at_the_cursor(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    ids = comment_threads(platforms, 230)
    comment_threads(platforms, 5, first=500, video="otherVideo1")
    yt = await add_source(sessions, kind="youtube", name="yt-1212", url=platforms.url,
                          query=CHANNEL_ID)  # fmt: skip
    the_poller, _ = poller
    assert [(o.new, o.error) for o in await the_poller.poll_once()] == [(235, "")]
    asked = platforms.youtube.requests
    assert len(asked) == 3 and "pageToken" not in asked[0] and asked[2]["pageToken"]
    assert asked[0]["part"] == "snippet" and asked[0]["allThreadsRelatedToChannelId"] == CHANNEL_ID
    stored = {m.external_id: m for m in await mentions(sessions)}
    one = stored[ids[10]]
    assert one.url == f"https://www.youtube.com/watch?v=dQw1212abcd&lc={ids[10]}"
    assert (one.author, one.likes, one.replies) == ("@viewer1", 10, 2)
    newest = DAY + timedelta(minutes=10 * 504)
    assert (await source(sessions, yt)).cursor == {"latest": newest.isoformat()}

    comment_threads(platforms, 2, first=600)
    assert [o.new for o in await the_poller.poll_once()] == [2]
    assert len(asked) == 4  # the first page already reached what was stored


async def test_youtube_quota_exceeded_waits_for_the_pacific_midnight_reset(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    ids = comment_threads(platforms, 150)
    yt = await add_source(sessions, kind="youtube", name="yt-video", url=platforms.url,
                          query="video:dQw1212abcd")  # fmt: skip
    the_poller, clock = poller
    platforms.youtube.quota = 1  # one list left today
    [outcome] = await the_poller.poll_once()
    assert outcome.new == 100 and "quotaExceeded" in outcome.error
    limited = await source(sessions, yt)
    pacific = datetime.now(ZoneInfo("America/Los_Angeles"))
    midnight = datetime.combine(pacific.date() + timedelta(days=1), datetime.min.time(),
                                pacific.tzinfo)  # fmt: skip
    assert limited.resume_at == midnight and limited.failures == 0 and limited.cursor == {}
    assert await the_poller.poll_once() == []

    platforms.youtube.quota = 10_000  # a new day
    clock.ahead_s = (midnight - datetime.now(UTC)).total_seconds() + 1
    assert [o.new for o in await the_poller.poll_once()] == [50]
    assert sorted(m.external_id for m in await mentions(sessions)) == sorted(ids)


async def test_youtube_outage_backs_off_and_a_wrong_key_says_so(
    sessions: Sessions, poller: Poller, platforms: PlatformStandIn
) -> None:
    comment_threads(platforms, 3)
    yt = await add_source(sessions, kind="youtube", name="yt-1212", url=platforms.url,
                          query=CHANNEL_ID)  # fmt: skip
    the_poller, clock = poller
    platforms.youtube.down = True
    [outcome] = await the_poller.poll_once()
    assert "HTTP 503" in outcome.error and (await source(sessions, yt)).failures == 1
    platforms.youtube.down, platforms.youtube.key = False, "rotated"
    clock.ahead_s = 31
    [outcome] = await the_poller.poll_once()
    assert "API key not valid" in outcome.error and (await source(sessions, yt)).failures == 2
