"""Helpers of the social desk tests: an own database, the X and feed stand-in, a poller."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import services
from callcenter.config import Settings, get_settings
from callcenter.db import make_db_engine, make_sessionmaker, transaction
from callcenter.errors import install_handlers
from callcenter.social import calendar_router
from callcenter.social.connectors import Backoff
from callcenter.social.line_broadcast import SdkLineBroadcaster
from callcenter.social.models import Keyword, Mention, Source
from callcenter.social.page_publish import PagePublisher
from callcenter.social.poller import SocialPoller, connector_factory
from callcenter.social.publishing import Publishing
from callcenter.social.router import router as social_router
from callcenter.social.standin import StandIn
from callcenter.social.standin_platforms import PlatformStandIn
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from recordings.storage import make_minio
from tests.integration.conftest import own_database
from tests.integration.smtp_support import Sink, running_sink

FEEDS = Path(__file__).parents[1] / "fixtures" / "social" / "feeds"
Sessions = async_sessionmaker[AsyncSession]
TOKEN = "x-standin-token"  # the stand-in's own, for tests only
GRAPH_TOKEN = "graph-standin-page-token"
YOUTUBE_KEY = "youtube-standin-key"
LINE_TOKEN = "line-standin-channel-token"


@pytest.fixture(scope="module")
def social_settings() -> Iterator[Settings]:
    with own_database(get_settings(), "callcenter_social") as own:
        yield own.model_copy(
            update={
                "social_x_bearer_token": SecretStr(TOKEN),
                "social_x_max_wait_s": 5.0,
                "social_facebook_token": SecretStr(GRAPH_TOKEN),
                "social_youtube_key": SecretStr(YOUTUBE_KEY),
                "social_graph_wait_s": 1.0,
            }
        )


SOCIAL_TABLES = (
    "social_reports", "social_digests", "social_content", "social_matches", "social_labels",
    "social_mentions", "social_keywords", "social_sources",
)  # fmt: skip


@pytest.fixture
async def sessions(social_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    db_engine = make_db_engine(social_settings.database_url)
    made = make_sessionmaker(db_engine)
    async with transaction(made) as session:  # each test starts from empty social tables
        for table in SOCIAL_TABLES:
            await session.execute(Mention.metadata.tables[table].delete())
    yield made
    await db_engine.dispose()


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator[StandIn]:
    feeds = tmp_path / "feeds"
    shutil.copytree(FEEDS, feeds)
    server = StandIn(token=TOKEN, feeds=feeds).start()
    yield server
    server.stop()


@pytest.fixture
def platforms() -> Iterator[PlatformStandIn]:
    """The Facebook Graph and YouTube stand-in."""
    server = PlatformStandIn(
        graph_token=GRAPH_TOKEN, youtube_key=YOUTUBE_KEY, line_token=LINE_TOKEN
    ).start()
    yield server
    server.stop()


@dataclass
class Clock:
    """The poller's clock: real time plus what a test moved it on by."""

    ahead_s: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead_s


@pytest.fixture
async def poller(
    sessions: async_sessionmaker[AsyncSession], social_settings: Settings
) -> AsyncIterator[tuple[SocialPoller, Clock]]:
    clock = Clock()
    async with httpx.AsyncClient(timeout=10) as client:
        yield SocialPoller(
            sessions=sessions, connector_for=connector_factory(social_settings, client),
            interval_s=60, backoff=Backoff(base_s=30), clock=clock,
        ), clock  # fmt: skip


async def headers(api: tuple[httpx.AsyncClient, Sessions, Settings], role: Role) -> dict[str, str]:
    """The bearer header of a fresh user of that role (api: client, sessions, settings)."""
    _, sessions, settings = api
    async with transaction(sessions) as session:
        user = await user_service.create(
            session=session,
            user_in=UserCreate(
                username=f"{role.value}-{uuid.uuid4().hex[:8]}",
                password="social-test-pass",
                role=role,
            ),
        )
        user_id = user.id
    token = security.issue_token(settings=settings, user_id=user_id, role=role.value)
    return {"Authorization": f"Bearer {token}"}


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A real SMTP server on 127.0.0.1 keeping what it is sent (digests, reports)."""
    with running_sink() as server:
        yield server


async def social_command(settings: Settings, *args: str) -> tuple[int, str]:
    """`callcenter social ARGS` in a process of its own on the test's database: exit code
    and what it printed (stdout then stderr)."""
    env = {**os.environ, "CALLCENTER_DATABASE_URL": settings.database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "callcenter", "social", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode is not None
    return proc.returncode, out.decode() + err.decode()


async def signed_in(site: tuple[str, Any], sessions: Sessions, browser: Any, role: Role) -> Any:
    """A phone-sized Chromium page (Thai, Bangkok) signed in as a fresh user of `role`;
    site: (base URL, settings)."""
    url, settings = site
    async with transaction(sessions) as session:
        user = await user_service.create(
            session=session,
            user_in=UserCreate(
                username=f"web-{uuid.uuid4().hex[:8]}", password="social-browser-pw-7", role=role
            ),
        )
        token = security.issue_token(settings=settings, user_id=user.id, role=role.value)
    context = await browser.new_context(
        viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok", is_mobile=True, has_touch=True
    )
    await context.add_cookies([{"name": "cc_token", "value": token, "url": url}])
    return await context.new_page()


async def add_source(sessions: async_sessionmaker[AsyncSession], **fields: Any) -> int:
    async with transaction(sessions) as session:
        source = Source(**{"query": "", "cursor": {}, "active": True, **fields})
        session.add(source)
        await session.flush()
        return source.id


async def add_keyword(
    sessions: async_sessionmaker[AsyncSession], keyword: str, **fields: Any
) -> int:
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        defaults: dict[str, Any] = {"sub_keywords": [], "exclusions": [], "language": "any"}
        row = Keyword(keyword=keyword, created_at=now, updated_at=now, **(defaults | fields))
        session.add(row)
        await session.flush()
        return row.id


async def source(sessions: async_sessionmaker[AsyncSession], source_id: int) -> Source:
    async with sessions() as session:
        found = await session.get(Source, source_id)
        assert found is not None
        return found


async def mentions(sessions: async_sessionmaker[AsyncSession]) -> list[Mention]:
    async with sessions() as session:
        return list((await session.scalars(select(Mention).order_by(Mention.id))).all())


async def mention_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Mention)) or 0)


USERS = [
    {"id": "1001", "username": "somchai_news", "name": "สมชาย นิวส์",
     "public_metrics": {"followers_count": 120000, "following_count": 300, "tweet_count": 9000,
                        "listed_count": 40}},
    {"id": "1002", "username": "nid_shopper", "name": "นิดช้อปออนไลน์",
     "public_metrics": {"followers_count": 850, "following_count": 400, "tweet_count": 2100,
                        "listed_count": 1},
     "location": "กรุงเทพฯ"},
]  # fmt: skip
CHIANG_MAI = {"id": "4b6ad8bf1a0c9d2e", "full_name": "Chiang Mai, Thailand", "name": "Chiang Mai",
              "country_code": "TH", "place_type": "city"}  # fmt: skip
TEXTS = [
    "โดนแก๊งคอลเซ็นเตอร์หลอกโอนเงินไปสองหมื่น เจ็บใจมาก #1212",
    "ขอบคุณสายด่วน 1212 มากครับ ช่วยอายัดบัญชีทัน ได้เงินคืนแล้ว",
    "ตำรวจเตือนระวัง SMS ปลอมอ้างการไฟฟ้า แจ้ง 1212 ได้ตลอด 24 ชม.",
    "Got a scam call again today, the hotline 1212 was helpful though",
]


def publish(stand_in: StandIn, count: int, *, first_id: int = 1860000000000000000) -> list[int]:
    """`count` posts about 1212, ids rising, one hour apart from a fixed day."""
    ids = []
    for n in range(count):
        post_id = first_id + n
        stand_in.post(
            post_id=post_id, text=f"{TEXTS[n % len(TEXTS)]} ({n})",
            created_at=f"2026-12-0{1 + (n // 24) % 7}T{n % 24:02d}:05:00.000Z",
            user=USERS[n % 2], likes=n % 50, retweets=n % 7, replies=n % 3, quotes=n % 2,
            place=CHIANG_MAI if n % 5 == 0 else None, lang="en" if n % 4 == 3 else "th",
        )  # fmt: skip
        ids.append(post_id)
    return ids


# --- publishing: the calendar's API with Publishing against the platforms stand-in ---
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # the injected clock starts here


@dataclass
class Moment:
    """The publishing clock (and the stand-in's): a test moves `now`."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    client: httpx.AsyncClient
    sessions: Sessions
    settings: Settings
    publishing: Publishing
    clock: Moment
    platforms: PlatformStandIn
    app: FastAPI

    def configure(self, **changes: Any) -> None:
        """Settings changed for the API and the publishing alike."""
        self.settings = self.settings.model_copy(update=changes)
        self.app.state.settings = self.publishing.settings = self.settings

    @property
    def api(self) -> tuple[httpx.AsyncClient, Sessions, Settings]:
        return self.client, self.sessions, self.settings

    async def at(self, when: datetime) -> list[Any]:
        self.clock.now = when
        return await self.publishing.run_due(when)


def build_publishing(
    settings: Settings, sessions: Sessions, platforms: PlatformStandIn,
    clock: Callable[[], datetime],
    client: httpx.AsyncClient, *, job_store_url: str | None = None,
) -> Publishing:  # fmt: skip
    page = PagePublisher(base_url=platforms.url, page_id=platforms.graph.page_id,
                         access_token=GRAPH_TOKEN, client=client)  # fmt: skip
    line = SdkLineBroadcaster(host=platforms.url, access_token=LINE_TOKEN)
    return Publishing(settings=settings, sessions=sessions, s3=make_minio(settings), page=page,
                      line=line, clock=clock, job_store_url=job_store_url)  # fmt: skip


@pytest.fixture
async def desk(
    social_settings: Settings, sessions: Sessions, platforms: PlatformStandIn
) -> AsyncIterator[Desk]:
    settings = social_settings.model_copy(update={"jwt_secret": SecretStr("p" * 32)})
    clock = Moment()
    platforms.clock = lambda: clock.now.timestamp()
    async with httpx.AsyncClient(timeout=10) as graph_client:
        publishing = build_publishing(settings, sessions, platforms, clock, graph_client)
        app = FastAPI()
        app.state.settings = settings
        install_handlers(app)
        app.include_router(social_router)
        app.include_router(calendar_router.router)
        app.include_router(calendar_router.digests)
        app.include_router(calendar_router.reports)
        app.dependency_overrides[services.sessions] = lambda: sessions
        app.dependency_overrides[services.s3] = lambda: publishing.s3
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            made = Desk(client, sessions, settings, publishing, clock, platforms, app)
            app.dependency_overrides[calendar_router.publishing] = lambda: made.publishing
            yield made
