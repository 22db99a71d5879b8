"""RSS and Atom news feeds (Thai news sites publish them), parsed by feedparser.

The cursor keeps the feed's ETag and Last-Modified (a 304 answer costs nothing) and the
newest publication time seen: older entries are skipped before they are stored.
"""

from __future__ import annotations

import asyncio
import html
import re
from calendar import timegm
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from callcenter.social.connectors import Batch, Found, SourceDown

TAG = re.compile(r"<[^>]+>")
CHANNEL = "news"


class RssConnector:
    channel = CHANNEL

    def __init__(self, *, url: str, client: httpx.AsyncClient, name: str = "") -> None:
        self.url, self.client, self.name = url, client, name

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        try:
            response = await self.client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            raise SourceDown(f"{self.url}: {exc!r}") from exc
        if response.status_code == 304:
            return Batch(mentions=[], cursor=cursor)
        if response.status_code >= 400:
            raise SourceDown(f"{self.url}: HTTP {response.status_code}")
        feed = await asyncio.to_thread(feedparser.parse, response.content)
        if feed.get("bozo") and not feed.entries:
            raise SourceDown(f"{self.url}: not a feed ({feed.get('bozo_exception')!r})")
        since = cursor.get("latest")
        found = [m for m in (self._mention(e, feed) for e in feed.entries) if m is not None]
        fresh = [m for m in found if since is None or m.published_at.isoformat() >= since]
        latest = max([since or "", *(m.published_at.isoformat() for m in found)]) or None
        new_cursor = {
            "etag": response.headers.get("etag"),
            "modified": response.headers.get("last-modified"),
            "latest": latest,
        }
        return Batch(mentions=fresh, cursor={k: v for k, v in new_cursor.items() if v})

    def _mention(self, entry: Any, feed: Any) -> Found | None:
        link = entry.get("link") or ""
        external_id = entry.get("id") or link
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        if not external_id or when is None:
            return None
        title = _plain(entry.get("title", ""))
        summary = _plain(entry.get("summary", ""))
        body = title if not summary or summary == title else f"{title}\n{summary}"
        return Found(
            channel=CHANNEL, external_id=external_id[:512], url=link, text=body,
            published_at=datetime.fromtimestamp(timegm(when), tz=UTC),
            author=entry.get("author") or feed.feed.get("title", "") or self.name,
            author_id=feed.feed.get("link", "") or self.url,
        )  # fmt: skip


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())
