"""X API v2 recent search: `GET /2/tweets/search/recent` since the newest id seen.

Pages are followed through `meta.next_token`; the cursor becomes the first page's
`meta.newest_id` once every page is in. Rate limits come in `x-rate-limit-remaining`
and `x-rate-limit-reset` (epoch seconds): with none left and pages to go, the connector
waits for the reset when it is near (`max_wait_s`) and otherwise stops with
`RateLimited`, keeping the pages it has; a 429 is handled the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from callcenter.social import places
from callcenter.social.connectors import Batch, Found, RateLimited, SourceDown

CHANNEL = "x"
PATH = "/2/tweets/search/recent"
FIELDS = {
    "tweet.fields": "created_at,public_metrics,lang,geo,author_id",
    "expansions": "author_id,geo.place_id",
    "user.fields": "username,name,public_metrics,location",
    "place.fields": "full_name,name,country_code",
}
MAX_PAGES = 50  # 5,000 posts a round at most; the rest comes next round


class XConnector:
    channel = CHANNEL

    def __init__(
        self,
        *,
        base_url: str,
        query: str,
        bearer_token: str,
        client: httpx.AsyncClient,
        page_size: int = 100,
        max_wait_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + PATH
        self.query, self.token, self.client = query, bearer_token, client
        self.page_size, self.max_wait_s = page_size, max_wait_s
        self.clock, self.sleep = clock, sleep

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        since_id = cursor.get("since_id")
        found: list[Found] = []
        newest: str | None = None
        token: str | None = None
        requests = 0
        for _ in range(MAX_PAGES):
            response, requests = await self._page(since_id, token, found), requests + 1
            body = response.json()
            meta = body.get("meta", {})
            newest = newest or meta.get("newest_id")
            found += _mentions(body)
            token = meta.get("next_token")
            if not token:
                break
            if response.headers.get("x-rate-limit-remaining") == "0":
                await self._wait_reset(response, found, why="no requests left in this window")
        next_cursor = {"since_id": newest} if newest else dict(cursor)
        return Batch(mentions=found, cursor=next_cursor, requests=requests)

    async def _page(
        self, since_id: str | None, token: str | None, found: list[Found]
    ) -> httpx.Response:
        params = {"query": self.query, "max_results": str(self.page_size), **FIELDS}
        if since_id:
            params["since_id"] = since_id
        if token:
            params["next_token"] = token
        while True:
            response = await self._get(params, found)
            if response.status_code != 429:
                break
            await self._wait_reset(response, found, why="429 Too Many Requests")
        if response.status_code >= 400:
            raise SourceDown(f"X search: HTTP {response.status_code} {response.text[:200]}",
                             partial=found)  # fmt: skip
        return response

    async def _get(self, params: dict[str, str], found: list[Found]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            return await self.client.get(self.url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise SourceDown(f"X search: {exc!r}", partial=found) from exc

    async def _wait_reset(self, response: httpx.Response, found: list[Found], *, why: str) -> None:
        reset = _reset_at(response, self.clock())
        wait = reset - self.clock()
        resume_at = datetime.fromtimestamp(reset, tz=UTC)
        if wait > self.max_wait_s:
            raise RateLimited(f"X search: {why}", resume_at=resume_at, partial=found)
        await self.sleep(max(0.0, wait))


def _reset_at(response: httpx.Response, now: float) -> float:
    """x-rate-limit-reset (epoch seconds); 15 minutes (X's window) when it is missing."""
    try:
        return float(response.headers["x-rate-limit-reset"])
    except (KeyError, ValueError):
        return now + 900


def _mentions(body: dict[str, Any]) -> list[Found]:
    includes = body.get("includes", {})
    users = {u["id"]: u for u in includes.get("users", [])}
    where = {p["id"]: p for p in includes.get("places", [])}
    out = []
    for post in body.get("data", []):
        user = users.get(post.get("author_id", ""), {})
        place = where.get((post.get("geo") or {}).get("place_id", ""), {})
        metrics = post.get("public_metrics", {})
        handle = user.get("username", "")
        out.append(Found(
            channel=CHANNEL, external_id=post["id"], text=post.get("text", ""),
            url=f"https://x.com/{handle or 'i/web'}/status/{post['id']}",
            published_at=_when(post.get("created_at")),
            author=f"@{handle}" if handle else user.get("name", ""),
            author_id=post.get("author_id", ""),
            author_followers=user.get("public_metrics", {}).get("followers_count"),
            likes=metrics.get("like_count", 0), shares=metrics.get("retweet_count", 0),
            replies=metrics.get("reply_count", 0), quotes=metrics.get("quote_count", 0),
            province=_province(place, user),
        ))  # fmt: skip
    return out


def _province(place: dict[str, Any], user: dict[str, Any]) -> str | None:
    """From the post's place (in Thailand), else from the place the author gives."""
    if place and place.get("country_code", "TH") != "TH":
        return None
    return places.province(place.get("full_name"), place.get("name"), user.get("location"))


def _when(created_at: str | None) -> datetime:
    if not created_at:
        return datetime.now(UTC)
    return datetime.fromisoformat(created_at.replace("Z", "+00:00"))
