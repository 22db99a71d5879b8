"""The social desk API against its own database: roles, keywords (audited), mentions
filtered and ranked, volume per keyword and sentiment, influencers, relabelling, and a
mention made a complaint case."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import services
from callcenter.cases.models import Case
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.errors import install_handlers
from callcenter.social import analysis, ingest
from callcenter.social.connectors import Found
from callcenter.social.models import Label, Mention
from callcenter.social.router import router as social_router
from callcenter.users.models import Role
from tests.integration.social_support import add_keyword, headers, sessions, social_settings

pytestmark = pytest.mark.integration
__all__ = ["sessions", "social_settings"]  # fixtures used by name
Sessions = async_sessionmaker[AsyncSession]


# The mentions were written for 2026-12-07 (Bangkok); every time in this file is moved by
# whole days so that day is today: the desk's defaults read the real clock.
RECORDED_DAY = date(2026, 12, 7)
SHIFT = timedelta(days=(datetime.now(ZoneInfo("Asia/Bangkok")).date() - RECORDED_DAY).days)


def utc(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC) + SHIFT


def iso(text_: str) -> str:
    """A query bound of the recorded day, moved like the mentions."""
    return (datetime.fromisoformat(text_) + SHIFT).isoformat()


def post(n: int, body: str, when: str, **fields: Any) -> Found:
    channel = fields.pop("channel", "x")
    author = fields.pop("author", f"@user{n}")
    return Found(
        channel=channel,
        external_id=f"{channel}-{n}",
        text=body,
        url=f"https://x.com/{author[1:]}/status/{n}",
        published_at=utc(when),
        author=author,
        author_id=f"id-{author}",
        **fields,
    )


# A realistic small day and a half of mentions (UTC times; Bangkok is 7 hours ahead).
SEED = [
    post(
        1,
        "โดนแก๊งคอลเซ็นเตอร์หลอกโอนเงินสามหมื่น แย่มาก",
        "2026-12-06T03:10:00",
        author="@nid",
        province="Chiang Mai",
        author_followers=800,
        likes=120,
        shares=40,
        replies=10,
    ),
    post(
        2,
        "ขอบคุณ 1212 มากครับ ช่วยอายัดบัญชีทัน ได้เงินคืนแล้ว",
        "2026-12-06T05:00:00",
        author="@somchai_news",
        author_followers=120000,
        likes=300,
        shares=15,
        replies=4,
    ),
    post(
        3,
        "ตำรวจเตือนระวังแก๊งคอลเซ็นเตอร์อ้างเป็นเจ้าหน้าที่ขนส่ง",
        "2026-12-06T09:00:00",
        author="@somchai_news",
        author_followers=120000,
        likes=20,
        shares=90,
        replies=1,
    ),
    post(
        4,
        "แม่ผมโดนคอลเซ็นเตอร์หลอก เสียเงินเก็บหมดเลย เจ็บใจมาก",
        "2026-12-06T18:30:00",
        author="@krit",
        province="Chiang Mai",
        author_followers=50,
        likes=5,
        shares=1,
    ),
    post(
        5,
        "รับสมัครพนักงานคอลเซ็นเตอร์ เงินเดือนดี",
        "2026-12-07T01:00:00",
        author="@jobs",
        author_followers=3000,
        likes=2,
    ),
    post(
        6,
        "Scam call again, but the 1212 hotline was really helpful",
        "2026-12-07T02:00:00",
        author="@anna",
        author_followers=400,
        likes=8,
        shares=3,
        province="Bangkok",
    ),
    post(
        7,
        "สายด่วน 1212 โทรไม่ติดเลย รอสายนานมาก",
        "2026-12-07T03:00:00",
        channel="news",
        author="ไทยนิวส์",
        author_followers=None,
        likes=0,
    ),
]


@pytest.fixture
async def api(
    social_settings: Settings, sessions: Sessions
) -> AsyncIterator[tuple[httpx.AsyncClient, Sessions, Settings]]:
    settings = social_settings.model_copy(update={"jwt_secret": SecretStr(secrets.token_hex(16))})
    app = FastAPI()
    app.state.settings = settings
    install_handlers(app)
    app.include_router(social_router)
    app.dependency_overrides[services.sessions] = lambda: sessions
    async with transaction(sessions) as session:
        await ingest.store(
            session=session, found=SEED, source_id=None, now=utc("2026-12-07T04:00:00")
        )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client, sessions, settings


async def ids_by_external(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        return {e: i for i, e in (await session.execute(select(Mention.id, Mention.external_id)))}


async def test_agents_and_strangers_are_kept_out_of_the_desk(api: Any) -> None:
    client = api[0]
    r = await client.get("/api/v1/social/mentions")
    assert r.status_code == 401 and r.json()["error_id"] == "not_authenticated"
    r = await client.get("/api/v1/social/mentions", headers=await headers(api, Role.agent))
    assert r.status_code == 403 and r.json()["error_id"] == "forbidden"
    r = await client.get("/api/v1/social/mentions", headers=await headers(api, Role.supervisor))
    assert r.status_code == 200 and r.json()["total"] == len(SEED)


async def test_keywords_are_created_edited_and_deleted_with_an_audit_trail(api: Any) -> None:
    client, sessions, _ = api
    boss = await headers(api, Role.supervisor)
    url = "/api/v1/social/keywords"
    r = await client.post(
        url,
        headers=boss,
        json={"keyword": "คอลเซ็นเตอร์", "sub_keywords": ["มิจฉาชีพ", " ", "มิจฉาชีพ"], "language": "th"},
    )
    assert r.status_code == 201, r.text
    keyword = r.json()
    assert keyword["sub_keywords"] == ["มิจฉาชีพ"] and keyword["exclusions"] == []

    again = await client.post(url, headers=boss, json={"keyword": "คอลเซ็นเตอร์"})
    assert again.status_code == 409 and again.json()["error_id"] == "social_keyword_exists"
    blank = await client.post(url, headers=boss, json={"keyword": "   "})
    assert blank.status_code == 422 and blank.json()["error_id"] == "validation_failed"

    r = await client.patch(f"{url}/{keyword['id']}", headers=boss, json={"exclusions": ["รับสมัคร"]})
    assert r.status_code == 200 and r.json()["exclusions"] == ["รับสมัคร"]
    assert [k["keyword"] for k in (await client.get(url, headers=boss)).json()] == ["คอลเซ็นเตอร์"]
    assert (await client.delete(f"{url}/{keyword['id']}", headers=boss)).status_code == 204
    assert (await client.get(url, headers=boss)).json() == []
    gone = await client.patch(f"{url}/{keyword['id']}", headers=boss, json={"active": False})
    assert gone.status_code == 404

    trail = (await client.get("/api/v1/social/audit", headers=boss)).json()
    target = f"keyword:{keyword['id']}"
    mine = [(e["action"], e["detail"]) for e in reversed(trail) if e["target"] == target]
    assert [a for a, _ in mine] == ["keyword_created", "keyword_updated", "keyword_deleted"]
    assert mine[1][1] == {"exclusions": [[], ["รับสมัคร"]]}
    async with transaction(sessions) as session:  # the trail cannot be rewritten
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
            await session.execute(text("UPDATE social_audit SET username = 'someone'"))
    async with transaction(sessions) as session:
        with pytest.raises(DBAPIError, match=r"append-only|permission denied"):
            await session.execute(text("TRUNCATE social_audit"))


async def test_a_keyword_applied_to_stored_mentions_finds_them_without_its_exclusions(
    api: Any,
) -> None:
    client, sessions, _ = api
    boss = await headers(api, Role.supervisor)
    keyword_id = await add_keyword(sessions, "คอลเซ็นเตอร์", exclusions=["รับสมัคร"])
    url = "/api/v1/social/mentions"
    assert (await client.get(url, headers=boss, params={"keyword_id": keyword_id})).json()[
        "total"
    ] == 0
    r = await client.post(f"/api/v1/social/keywords/{keyword_id}/apply", headers=boss)
    assert r.json() == {"keyword_id": keyword_id, "matched": 3}
    found = (await client.get(url, headers=boss, params={"keyword_id": keyword_id})).json()
    assert sorted(m["external_id"] for m in found["items"]) == ["x-1", "x-3", "x-4"]
    assert all(m["keywords"] == [keyword_id] for m in found["items"])


async def test_mentions_are_filtered_and_ranked_by_likes_or_by_shares(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = api[0]
    boss = await headers(api, Role.supervisor)
    url = "/api/v1/social/mentions"
    by_likes = (await client.get(url, headers=boss, params={"sort": "likes"})).json()["items"]
    assert [m["external_id"] for m in by_likes[:3]] == ["x-2", "x-1", "x-3"]
    by_shares = (await client.get(url, headers=boss, params={"sort": "shares"})).json()["items"]
    assert [m["external_id"] for m in by_shares[:2]] == ["x-3", "x-1"]

    negative_x = (
        await client.get(url, headers=boss, params={"channel": "x", "sentiment": "negative"})
    ).json()
    assert sorted(m["external_id"] for m in negative_x["items"]) == ["x-1", "x-4"]
    news = (await client.get(url, headers=boss, params={"channel": "news"})).json()["items"]
    assert [(m["external_id"], m["sentiment"]) for m in news] == [("news-7", "negative")]
    assert by_likes[0]["url"] == "https://x.com/somchai_news/status/2"

    day = {"from": iso("2026-12-07T00:00:00+07:00"), "to": iso("2026-12-08T00:00:00+07:00")}
    that_day = (await client.get(url, headers=boss, params=day)).json()
    assert sorted(m["external_id"] for m in that_day["items"]) == ["news-7", "x-4", "x-5", "x-6"]

    page = (await client.get(url, headers=boss)).json()
    assert (page["total"], page["more"]) == (len(SEED), False)
    monkeypatch.setattr(analysis, "COUNT_CAP", 3)  # big totals are counted up to the cap
    capped = (await client.get(url, headers=boss, params={"limit": 2})).json()
    assert (capped["total"], capped["more"], len(capped["items"])) == (3, True, 2)
    monkeypatch.undo()

    wrong = await client.get(url, headers=boss, params={"from": day["to"], "to": day["from"]})
    assert wrong.status_code == 422 and wrong.json()["error_id"] == "invalid_period"
    assert "ก่อนเริ่ม" in wrong.json()["message"]


async def test_volume_counts_mentions_per_bangkok_day_keyword_and_sentiment(api: Any) -> None:
    client, sessions, _ = api
    boss = await headers(api, Role.supervisor)
    call_centre = await add_keyword(sessions, "คอลเซ็นเตอร์", exclusions=["รับสมัคร"])
    hotline = await add_keyword(sessions, "1212")
    for k in (call_centre, hotline):
        await client.post(f"/api/v1/social/keywords/{k}/apply", headers=boss)
    r = await client.get(
        "/api/v1/social/volume",
        headers=boss,
        params={"from": iso("2026-12-06T00:00:00+07:00"), "to": iso("2026-12-08T00:00:00+07:00")},
    )
    assert r.status_code == 200, r.text
    got = {(p["start"], p["keyword_id"], p["sentiment"]): p["count"] for p in r.json()}
    day6, day7 = iso("2026-12-06T00:00:00+07:00"), iso("2026-12-07T00:00:00+07:00")
    parsed = {(datetime.fromisoformat(s), k, v): c for (s, k, v), c in got.items()}
    assert parsed == {
        (datetime.fromisoformat(day6), call_centre, "negative"): 1,  # x-1
        (datetime.fromisoformat(day6), call_centre, "neutral"): 1,  # x-3, a police warning
        (datetime.fromisoformat(day6), hotline, "positive"): 1,  # x-2
        # x-4 was posted at 18:30 UTC: already the 7th in Bangkok
        (datetime.fromisoformat(day7), call_centre, "negative"): 1,
        (datetime.fromisoformat(day7), hotline, "positive"): 1,  # x-6, English, by VADER
        (datetime.fromisoformat(day7), hotline, "negative"): 1,  # news-7
    }
    # staff relabel x-3 negative: the chart's counts follow
    x3 = (await ids_by_external(sessions))["x-3"]
    await client.put(
        f"/api/v1/social/mentions/{x3}/sentiment", headers=boss, json={"sentiment": "negative"}
    )
    again = await client.get("/api/v1/social/volume", headers=boss, params={
        "from": day6, "to": day7, "keyword_id": call_centre})  # fmt: skip
    assert [(p["sentiment"], p["count"]) for p in again.json()] == [("negative", 2)]
    hourly = await client.get(
        "/api/v1/social/volume",
        headers=boss,
        params={
            "from": iso("2026-12-06T00:00:00+07:00"),
            "to": iso("2026-12-07T00:00:00+07:00"),
            "bucket": "hour",
            "keyword_id": call_centre,
        },
    )
    assert [(p["start"][11:16], p["count"]) for p in hourly.json()] == [("10:00", 1), ("16:00", 1)]
    too_long = await client.get(
        "/api/v1/social/volume",
        headers=boss,
        params={
            "from": "2026-01-01T00:00:00+07:00",
            "to": iso("2026-12-07T00:00:00+07:00"),
            "bucket": "hour",
        },
    )
    assert too_long.status_code == 422 and too_long.json()["error_id"] == "invalid_period"


async def test_influencers_rank_authors_by_reach_times_engagement_with_their_mentions(
    api: Any,
) -> None:
    client = api[0]
    boss = await headers(api, Role.supervisor)
    r = await client.get(
        "/api/v1/social/influencers",
        headers=boss,
        params={
            "from": iso("2026-12-06T00:00:00+07:00"),
            "to": iso("2026-12-08T00:00:00+07:00"),
            "channel": "x",
        },
    )
    assert r.status_code == 200, r.text
    ranked = r.json()
    assert [i["author"] for i in ranked[:3]] == ["@somchai_news", "@nid", "@jobs"]
    top = ranked[0]
    assert top["reach"] == 120000 and top["engagement"] == 300 + 15 + 4 + 20 + 90 + 1
    assert top["score"] == top["reach"] * top["engagement"] and top["mentions"] == 2
    assert [m["external_id"] for m in top["top_mentions"]] == ["x-2", "x-3"]
    assert all(m["url"].startswith("https://x.com/somchai_news/") for m in top["top_mentions"])


async def test_staff_relabel_a_mention_and_the_correction_is_kept(api: Any) -> None:
    client, sessions, _ = api
    boss = await headers(api, Role.supervisor)
    mention_id = (await ids_by_external(sessions))["x-3"]
    url = f"/api/v1/social/mentions/{mention_id}/sentiment"
    r = await client.put(url, headers=boss, json={"sentiment": "negative"})
    assert r.status_code == 200
    assert (r.json()["sentiment"], r.json()["sentiment_by"]) == ("negative", "staff")
    bad = await client.put(url, headers=boss, json={"sentiment": "angry"})
    assert bad.status_code == 422
    async with sessions() as session:
        labels = (await session.scalars(select(Label).where(Label.mention_id == mention_id))).all()
    assert [(x.previous, x.label) for x in labels] == [("neutral", "negative")]
    missing = await client.put(
        "/api/v1/social/mentions/999999/sentiment", headers=boss, json={"sentiment": "negative"}
    )
    assert missing.status_code == 404 and missing.json()["error_id"] == "not_found"


async def test_a_mention_becomes_a_complaint_case_in_one_click_and_only_once(api: Any) -> None:
    client, sessions, _ = api
    boss = await headers(api, Role.supervisor)
    mention_id = (await ids_by_external(sessions))["x-4"]
    url = f"/api/v1/social/mentions/{mention_id}/case"

    wrong = await client.post(url, headers=boss, json={"service_line": "no-such-line"})
    assert wrong.status_code == 422 and wrong.json()["error_id"] == "unknown_service_line"
    async with sessions() as session:
        assert (await session.get(Mention, mention_id)).case_id is None  # type: ignore[union-attr]
        assert await session.scalar(select(Case.id).where(Case.url.contains("status/4"))) is None

    r = await client.post(
        url, headers=boss, json={"service_line": "online-shopping", "note": "ติดต่อผู้โพสต์ทาง DM"}
    )
    assert r.status_code == 201, r.text
    opened = r.json()
    assert opened["case_number"].startswith("1212-")
    async with sessions() as session:
        case = await session.get(Case, opened["case_id"])
        assert case is not None
        assert case.platform == "X" and case.url == "https://x.com/krit/status/4"
        assert case.caller_name == "@krit" and case.channel == "web"
        assert case.description.startswith("ติดต่อผู้โพสต์ทาง DM")
        assert "แม่ผมโดนคอลเซ็นเตอร์หลอก" in case.description
    shown = (await client.get(f"/api/v1/social/mentions/{mention_id}", headers=boss)).json()
    assert shown["case_id"] == opened["case_id"]

    twice = await client.post(url, headers=boss, json={"service_line": "online-shopping"})
    assert twice.status_code == 409 and twice.json()["error_id"] == "social_mention_has_case"


async def test_located_mentions_are_counted_per_province_for_the_map(api: Any) -> None:
    client = api[0]
    boss = await headers(api, Role.supervisor)
    period = {"from": iso("2026-12-06T00:00:00+07:00"), "to": iso("2026-12-08T00:00:00+07:00")}
    r = await client.get("/api/v1/social/provinces", headers=boss, params=period)
    assert r.status_code == 200, r.text
    assert r.json() == [
        {"province": "Chiang Mai", "province_th": "เชียงใหม่", "total": 2, "negative": 2,
         "neutral": 0, "positive": 0},
        {"province": "Bangkok", "province_th": "กรุงเทพมหานคร", "total": 1, "negative": 0,
         "neutral": 0, "positive": 1},
    ]  # fmt: skip
    news = await client.get("/api/v1/social/provinces", headers=boss,
                            params={**period, "channel": "news"})  # fmt: skip
    assert news.json() == []


async def test_admins_add_pause_and_repoint_sources_and_each_change_is_audited(
    api: Any,
) -> None:
    client, sessions, _ = api
    boss, admin = await headers(api, Role.supervisor), await headers(api, Role.admin)
    body = {"kind": "rss", "name": "thainews", "url": "https://www.thainews.example/rss"}
    refused = await client.post("/api/v1/social/sources", headers=boss, json=body)
    assert refused.status_code == 403
    r = await client.post("/api/v1/social/sources", headers=admin, json=body)
    assert r.status_code == 201, r.text
    source_id = r.json()["id"]
    again = await client.post("/api/v1/social/sources", headers=admin, json=body)
    assert again.status_code == 409 and again.json()["error_id"] == "social_source_exists"
    bad = await client.post("/api/v1/social/sources", headers=admin,
                            json={**body, "name": "x", "kind": "myspace"})  # fmt: skip
    assert bad.status_code == 422

    async with transaction(sessions) as session:  # as if it had been polled
        await session.execute(
            text('UPDATE social_sources SET cursor = \'{"latest": "2026-12-07"}\'')
        )
    url = f"/api/v1/social/sources/{source_id}"
    paused = await client.patch(url, headers=admin, json={"active": False})
    assert paused.json()["active"] is False and paused.json()["cursor"] == {"latest": "2026-12-07"}
    moved = await client.patch(url, headers=admin, json={"url": "https://consumer.example/atom"})
    assert moved.json()["cursor"] == {}  # another feed starts from its beginning
    listed = (await client.get("/api/v1/social/sources", headers=boss)).json()
    assert [(s["name"], s["active"], s["url"]) for s in listed] == [
        ("thainews", False, "https://consumer.example/atom")
    ]
    trail = (await client.get("/api/v1/social/audit", headers=boss)).json()
    actions = [e["action"] for e in reversed(trail) if e["target"] == f"source:{source_id}"]
    assert actions == ["source_created", "source_updated", "source_updated"]
