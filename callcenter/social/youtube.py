"""YouTube Data API v3 comments: `GET /youtube/v3/commentThreads` (part=snippet, order=time).

The source's query is a channel id (every thread on its videos: `allThreadsRelatedToChannelId`)
or `video:<id>` (one video). Threads come newest first, page after page through
`nextPageToken`, until one is no newer than the cursor's `latest`. A 403 whose reason is
`quotaExceeded` stops the round until the quota resets (midnight Pacific time);
`rateLimitExceeded` / `userRateLimitExceeded` wait `short_wait_s` when it is under
`max_wait_s`, else stop with `RateLimited`. Other errors are `SourceDown`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from callcenter.social.connectors import Batch, Found, RateLimited, SourceDown

CHANNEL = "youtube"
PATH = "/youtube/v3/commentThreads"
PACIFIC = ZoneInfo("America/Los_Angeles")
SHORT_LIMITS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
MAX_PAGES = 50


class YouTubeConnector:
    channel = CHANNEL

    def __init__(
        self,
        *,
        base_url: str,
        query: str,
        api_key: str,
        client: httpx.AsyncClient,
        page_size: int = 100,
        short_wait_s: float = 10.0,
        max_wait_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + PATH
        self.query, self.key, self.client = query.strip(), api_key, client
        self.page_size, self.short_wait_s, self.max_wait_s = page_size, short_wait_s, max_wait_s
        self.clock, self.sleep = clock, sleep

    def _params(self) -> dict[str, str]:
        params = {"part": "snippet", "maxResults": str(self.page_size), "order": "time",
                  "textFormat": "plainText", "key": self.key}  # fmt: skip
        if self.query.startswith("video:"):
            params["videoId"] = self.query.removeprefix("video:")
        else:
            params["allThreadsRelatedToChannelId"] = self.query
        return params

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        since = cursor.get("latest")
        found: list[Found] = []
        params, requests = self._params(), 0
        for _ in range(MAX_PAGES):
            body, requests = await self._get(params, found), requests + 1
            page = [_mention(item) for item in body.get("items", [])]
            fresh = [m for m in page if since is None or m.published_at.isoformat() > since]
            found += fresh
            token = body.get("nextPageToken")
            if not token or len(fresh) < len(page):
                break
            params["pageToken"] = token
        latest = max([since or "", *(m.published_at.isoformat() for m in found)]) or None
        return Batch(mentions=found, cursor={"latest": latest} if latest else {},
                     requests=requests)  # fmt: skip

    async def _get(self, params: dict[str, str], found: list[Found]) -> dict[str, Any]:
        while True:
            try:
                response = await self.client.get(self.url, params=params)
            except httpx.HTTPError as exc:
                raise SourceDown(f"YouTube: {exc!r}", partial=found) from exc
            try:
                body = response.json()
            except ValueError:
                body = {}
            if response.status_code < 400:
                return dict(body)
            error = body.get("error", {}) if isinstance(body, dict) else {}
            reasons = {e.get("reason") for e in error.get("errors", []) if isinstance(e, dict)}
            message = f"YouTube: HTTP {response.status_code} {error.get('message', '')}".strip()
            if "quotaExceeded" in reasons:
                raise RateLimited(f"{message} (quotaExceeded)",
                                  resume_at=_quota_reset(self.clock()), partial=found)  # fmt: skip
            if reasons & SHORT_LIMITS:
                if self.short_wait_s > self.max_wait_s:
                    resume_at = datetime.fromtimestamp(self.clock() + self.short_wait_s, tz=UTC)
                    raise RateLimited(message, resume_at=resume_at, partial=found)
                await self.sleep(self.short_wait_s)
                continue
            raise SourceDown(message, partial=found)


def _quota_reset(now: float) -> datetime:
    """The daily quota resets at midnight Pacific time."""
    local = datetime.fromtimestamp(now, tz=PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return midnight.astimezone(UTC)


def _mention(thread: dict[str, Any]) -> Found:
    snippet = thread["snippet"]
    top = snippet["topLevelComment"]
    comment = top["snippet"]
    video = comment.get("videoId") or snippet.get("videoId", "")
    return Found(
        channel=CHANNEL, external_id=top["id"],
        url=f"https://www.youtube.com/watch?v={video}&lc={top['id']}",
        text=comment.get("textOriginal") or comment.get("textDisplay", ""),
        published_at=datetime.fromisoformat(comment["publishedAt"].replace("Z", "+00:00")),
        author=comment.get("authorDisplayName", ""),
        author_id=(comment.get("authorChannelId") or {}).get("value", ""),
        likes=int(comment.get("likeCount", 0)), replies=int(snippet.get("totalReplyCount", 0)),
    )  # fmt: skip
