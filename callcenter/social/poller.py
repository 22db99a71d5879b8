"""Runs every active source's connector each round and keeps its cursor in the database.

A round takes the sources that are due (not waiting out a rate limit or a backoff),
fetches each since its stored cursor, stores the mentions and then the new cursor in
one transaction. A rate limit sets the source's `resume_at` to the reset time; a failure
counts up `failures` and waits an exponential backoff; the first success clears both.
What a connector got before it stopped is stored too (duplicates are refused by the
unique channel and external id), and the cursor stays, so nothing is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.background import Background
from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.social import ingest
from callcenter.social.connectors import Backoff, Batch, Connector, ConnectorError, RateLimited
from callcenter.social.facebook import FacebookConnector
from callcenter.social.models import Source
from callcenter.social.rss import RssConnector
from callcenter.social.x import XConnector
from callcenter.social.youtube import YouTubeConnector

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    source: str
    new: int
    error: str = ""


ConnectorFor = Callable[[Source], Connector]


def connector_factory(settings: Settings, client: httpx.AsyncClient) -> ConnectorFor:
    """How the service builds a source's connector (the one place that knows the kinds)."""

    def build(source: Source) -> Connector:
        if source.kind == "x":
            return XConnector(
                base_url=source.url, query=source.query, client=client,
                bearer_token=settings.social_x_bearer_token.get_secret_value(),
                max_wait_s=settings.social_x_max_wait_s,
            )  # fmt: skip
        if source.kind == "facebook":  # url: the Graph API's base URL; query: the page id
            return FacebookConnector(
                base_url=source.url, page_id=source.query, client=client,
                access_token=settings.social_facebook_token.get_secret_value(),
                default_wait_s=settings.social_graph_wait_s,
                max_wait_s=settings.social_x_max_wait_s,
            )  # fmt: skip
        if source.kind == "youtube":  # query: a channel id, or video:<id>
            return YouTubeConnector(
                base_url=source.url, query=source.query, client=client,
                api_key=settings.social_youtube_key.get_secret_value(),
                max_wait_s=settings.social_x_max_wait_s,
            )  # fmt: skip
        return RssConnector(url=source.url, client=client, name=source.name)

    return build


class SocialPoller(Background):
    task_name = "social-poller"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        connector_for: ConnectorFor,
        interval_s: float,
        backoff: Backoff,
        clock: Callable[[], float] = time.time,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessions, self.connector_for = sessions, connector_for
        self.interval_s, self.backoff, self.clock = interval_s, backoff, clock
        self.client = client  # closed when the poller stops

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except Exception:  # a round that failed as a whole must not end the loop
                log.exception("social poll round failed")
            await asyncio.sleep(self.interval_s)

    async def _stopped(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def poll_once(self) -> list[Outcome]:
        """One round over the due sources."""
        now = self._now()
        async with self.sessions() as session:
            stmt = select(Source.id).where(
                Source.active, or_(Source.resume_at.is_(None), Source.resume_at <= now)
            )
            due = (await session.scalars(stmt.order_by(Source.id))).all()
        return [await self._poll(source_id) for source_id in due]

    async def _poll(self, source_id: int) -> Outcome:
        async with self.sessions() as session:
            source = await session.get(Source, source_id)
            assert source is not None
            name, cursor = source.name, dict(source.cursor)
            connector = self.connector_for(source)
        try:
            batch = await connector.fetch(cursor)
        except ConnectorError as exc:
            new = await self._failed(source_id, exc)
            return Outcome(name, new, str(exc))
        return Outcome(name, await self._stored(source_id, batch))

    async def _stored(self, source_id: int, batch: Batch) -> int:
        now = self._now()
        async with transaction(self.sessions) as session:
            new = await ingest.store(
                session=session, found=batch.mentions, source_id=source_id, now=now
            )
            source = await session.get(Source, source_id)
            assert source is not None
            source.cursor, source.polled_at, source.ok_at = batch.cursor, now, now
            source.failures, source.last_error, source.resume_at = 0, "", None
        return new

    async def _failed(self, source_id: int, exc: ConnectorError) -> int:
        now = self._now()
        async with transaction(self.sessions) as session:
            new = await ingest.store(
                session=session, found=exc.partial, source_id=source_id, now=now
            )
            source = await session.get(Source, source_id)
            assert source is not None
            source.polled_at, source.last_error = now, str(exc)[:2000]
            if isinstance(exc, RateLimited):
                source.resume_at = exc.resume_at
            else:
                source.failures += 1
                wait = self.backoff.after(source.failures)
                source.resume_at = now + timedelta(seconds=wait)
        log.warning("social source %s: %s", source_id, exc)
        return new

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)


def build(*, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> SocialPoller | None:
    """The poller, or None when polling is off (social_poll_s = 0, the default)."""
    if settings.social_poll_s <= 0:
        return None
    client = httpx.AsyncClient(timeout=settings.social_http_timeout_s, follow_redirects=True)
    return SocialPoller(
        sessions=sessions, connector_for=connector_factory(settings, client),
        interval_s=settings.social_poll_s, backoff=Backoff(base_s=settings.social_backoff_s),
        client=client,
    )  # fmt: skip
