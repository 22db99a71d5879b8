"""Facebook Page posts and their comments through the Graph API (the pages the centre manages).

`GET /{version}/{page-id}/posts` since the newest post seen (`since`, epoch seconds), then
`GET /{version}/{post-id}/comments` (`filter=stream`, newest first) of the posts still
followed (the newest `follow_posts`), each since its newest comment seen. Pages are
followed through `paging.cursors.after` while `paging.next` is there.

Rate limits: an error with code 4, 17, 32, 613 or 80001 (app, user, page, custom, Pages BUC)
waits the `estimated_time_to_regain_access` (minutes) of `X-Business-Use-Case-Usage`, else
`default_wait_s`; and an answer whose `X-App-Usage` / `X-Business-Use-Case-Usage` says a
share (call_count, total_time, total_cputime) is at `slow_at` percent or more waits the
same way before the next request (a round that ends there does not wait). Waits longer
than `max_wait_s` stop the round with `RateLimited` (with what came before); other errors
are `SourceDown`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from callcenter.social.connectors import Batch, Found, RateLimited, SourceDown

CHANNEL = "facebook"
VERSION = "v21.0"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
POST_FIELDS = (
    "id,message,created_time,permalink_url,from{id,name},shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
COMMENT_FIELDS = "id,message,created_time,permalink_url,from{id,name},like_count,comment_count"
MAX_PAGES = 50


class FacebookConnector:
    channel = CHANNEL

    def __init__(
        self,
        *,
        base_url: str,
        page_id: str,
        access_token: str,
        client: httpx.AsyncClient,
        page_size: int = 100,
        follow_posts: int = 20,
        slow_at: float = 95.0,
        default_wait_s: float = 600.0,
        max_wait_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base = f"{base_url.rstrip('/')}/{VERSION}"
        self.page_id, self.token, self.client = page_id, access_token, client
        self.page_size, self.follow_posts = page_size, follow_posts
        self.slow_at, self.default_wait_s, self.max_wait_s = slow_at, default_wait_s, max_wait_s
        self.clock, self.sleep = clock, sleep
        self.requests = 0
        self._slow: httpx.Response | None = None

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        self.requests, self._slow = 0, None
        found: list[Found] = []
        since = int(cursor.get("since") or 0)
        follow: dict[str, int] = {k: int(v) for k, v in (cursor.get("follow") or {}).items()}
        params = {"fields": POST_FIELDS, "limit": str(self.page_size)}
        if since:
            params["since"] = str(since + 1)
        async for post in self._each(f"{self.base}/{self.page_id}/posts", params, found):
            mention = _mention(post, replies=_total(post, "comments"))
            found.append(mention)
            since = max(since, int(mention.published_at.timestamp()))
            follow.setdefault(post["id"], int(mention.published_at.timestamp()))
        newest = sorted(follow, key=lambda k: follow[k], reverse=True)[: self.follow_posts]
        follow = {k: follow[k] for k in newest}
        for post_id in newest:
            comment_params = {
                "fields": COMMENT_FIELDS, "limit": str(self.page_size), "filter": "stream",
                "order": "reverse_chronological", "since": str(follow[post_id] + 1),
            }  # fmt: skip
            url = f"{self.base}/{post_id}/comments"
            async for comment in self._each(url, comment_params, found):
                mention = _mention(comment, replies=int(comment.get("comment_count", 0)))
                found.append(mention)
                follow[post_id] = max(follow[post_id], int(mention.published_at.timestamp()))
        return Batch(mentions=found, cursor={"since": since, "follow": follow},
                     requests=self.requests)  # fmt: skip

    async def _each(
        self, url: str, params: dict[str, str], found: list[Found]
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of an edge, page after page (`paging.cursors.after`)."""
        params = dict(params)
        for _ in range(MAX_PAGES):
            body = await self._get(url, params, found)
            for item in body.get("data", []):
                yield item
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params["after"] = after

    async def _get(self, url: str, params: dict[str, str], found: list[Found]) -> dict[str, Any]:
        if self._slow is not None:  # the last answer said a limit is near: wait before asking
            slow, self._slow = self._slow, None
            await self._wait(slow, found, why=f"usage at {_usage(slow):.0f}%")
        while True:
            try:
                response = await self.client.get(url, params={**params, "access_token": self.token})
            except httpx.HTTPError as exc:
                raise SourceDown(f"Facebook Graph: {exc!r}", partial=found) from exc
            self.requests += 1
            try:
                body = response.json()
            except ValueError:
                body = {}
            error = body.get("error") if isinstance(body, dict) else None
            if error and error.get("code") in RATE_LIMIT_CODES:
                await self._wait(response, found, why=f"rate limit: {error.get('message', '')}")
                continue
            if response.status_code >= 400 or error:
                what = (error or {}).get("message") or response.text[:200]
                raise SourceDown(f"Facebook Graph: HTTP {response.status_code} {what}",
                                 partial=found)  # fmt: skip
            if _usage(response) >= self.slow_at:
                self._slow = response
            return dict(body)

    async def _wait(self, response: httpx.Response, found: list[Found], *, why: str) -> None:
        minutes = _regain_minutes(response)
        wait = minutes * 60 if minutes is not None else self.default_wait_s
        if wait > self.max_wait_s:
            resume_at = datetime.fromtimestamp(self.clock() + wait, tz=UTC)
            raise RateLimited(f"Facebook Graph: {why}", resume_at=resume_at, partial=found)
        await self.sleep(wait)


def _headers_json(response: httpx.Response, name: str) -> Any:
    try:
        return json.loads(response.headers.get(name) or "null")
    except ValueError:
        return None


def _buc_entries(response: httpx.Response) -> list[dict[str, Any]]:
    buc = _headers_json(response, "x-business-use-case-usage")
    if not isinstance(buc, dict):
        return []
    return [e for entries in buc.values() if isinstance(entries, list) for e in entries
            if isinstance(e, dict)]  # fmt: skip


def _usage(response: httpx.Response) -> float:
    """The highest share (percent) of any limit the headers report."""
    shares = [0.0]
    app = _headers_json(response, "x-app-usage")
    for entry in [app] if isinstance(app, dict) else []:
        shares += [float(entry.get(k) or 0) for k in ("call_count", "total_time", "total_cputime")]
    for entry in _buc_entries(response):
        shares += [float(entry.get(k) or 0) for k in ("call_count", "total_time", "total_cputime")]
    return max(shares)


def _regain_minutes(response: httpx.Response) -> float | None:
    waits = [float(e["estimated_time_to_regain_access"]) for e in _buc_entries(response)
             if e.get("estimated_time_to_regain_access")]  # fmt: skip
    return max(waits) if waits else None


def _total(item: dict[str, Any], edge: str) -> int:
    return int(((item.get(edge) or {}).get("summary") or {}).get("total_count") or 0)


def _mention(item: dict[str, Any], *, replies: int) -> Found:
    author = item.get("from") or {}
    likes = _total(item, "reactions") if "reactions" in item else int(item.get("like_count", 0))
    return Found(
        channel=CHANNEL, external_id=item["id"], text=item.get("message", ""),
        url=item.get("permalink_url") or f"https://www.facebook.com/{item['id']}",
        published_at=_when(item["created_time"]),
        author=author.get("name", ""), author_id=author.get("id", ""),
        likes=likes, shares=int((item.get("shares") or {}).get("count", 0)), replies=replies,
    )  # fmt: skip


def _when(created_time: str) -> datetime:
    """Graph's ISO 8601 with a +0000 offset."""
    return datetime.strptime(created_time, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
