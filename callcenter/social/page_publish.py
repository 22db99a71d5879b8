"""Publishing to the centre's Facebook Page through the Graph API, and reading results back.

- a text post: `POST /{page-id}/feed` (message; `published=false` with
  `scheduled_publish_time` for a scheduled post, which Graph takes 10 minutes to 30 days
  ahead);
- a picture post: `POST /{page-id}/photos` (the file as `source`, multipart, `message`);
- a video: `POST /{page-id}/videos` (`source`, `title`, `description`);
- whether it is out: `GET /{id}?fields=is_published` (a video: `published,post_id`);
- results: `GET /{post-id}/insights?metric=post_impressions_unique` (reach) and
  `GET /{post-id}?fields=shares,reactions.summary(true)`.

Errors come back as `PublishError` with Graph's message and code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from callcenter.social.facebook import VERSION

SCHEDULE_MIN_S = 10 * 60  # Graph refuses a scheduled_publish_time nearer than 10 minutes
SCHEDULE_MAX_S = 30 * 86400


class PublishError(Exception):
    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Placed:
    id: str  # the post, photo or video
    post_id: str | None  # the feed post it made, when Graph says


@dataclass(frozen=True)
class Asset:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Results:
    reach: int
    reactions: int
    shares: int


class PagePublisher:
    def __init__(
        self, *, base_url: str, page_id: str, access_token: str, client: httpx.AsyncClient
    ) -> None:
        self.base = f"{base_url.rstrip('/')}/{VERSION}"
        self.page_id, self.token, self.client = page_id, access_token, client

    async def place(
        self, *, kind: str, message: str, title: str, asset: Asset | None, at: datetime | None
    ) -> Placed:
        """Publish now (`at` None) or hand Graph a scheduled post for `at`."""
        fields: dict[str, str] = {}
        if at is not None:
            fields |= {"published": "false", "scheduled_publish_time": str(int(at.timestamp()))}
        if kind == "video":
            if asset is None:
                raise PublishError("a video needs its file")
            fields |= {"title": title, "description": message}
            body = await self._post(f"{self.page_id}/videos", fields, asset)
        elif asset is not None and asset.content_type.startswith("image/"):
            body = await self._post(f"{self.page_id}/photos", {**fields, "message": message}, asset)
        else:
            body = await self._post(f"{self.page_id}/feed", {**fields, "message": message}, None)
        return Placed(id=str(body["id"]), post_id=body.get("post_id") or _post_id(kind, body))

    async def is_out(self, placed_id: str, *, kind: str) -> tuple[bool, str | None]:
        """Whether Graph shows it published, and its feed post id."""
        if kind == "video":
            body = await self._get(placed_id, {"fields": "published,post_id"})
            return bool(body.get("published")), body.get("post_id")
        body = await self._get(placed_id, {"fields": "is_published"})
        return bool(body.get("is_published")), placed_id

    async def results(self, post_id: str) -> Results:
        insights = await self._get(f"{post_id}/insights", {"metric": "post_impressions_unique"})
        reach = 0
        for metric in insights.get("data", []):
            if metric.get("name") == "post_impressions_unique" and metric.get("values"):
                reach = int(metric["values"][-1].get("value") or 0)
        body = await self._get(post_id, {"fields": "shares,reactions.summary(true)"})
        reactions = int(((body.get("reactions") or {}).get("summary") or {}).get("total_count", 0))
        shares = int((body.get("shares") or {}).get("count", 0))
        return Results(reach=reach, reactions=reactions, shares=shares)

    async def _post(self, path: str, fields: dict[str, str], asset: Asset | None) -> dict[str, Any]:
        data = {**fields, "access_token": self.token}
        files = None if asset is None else {"source": (asset.name, asset.data, asset.content_type)}
        return await self._call("POST", path, data=data, files=files)

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self._call("GET", path, params={**params, "access_token": self.token})

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.client.request(method, f"{self.base}/{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise PublishError(f"Facebook Graph unreachable: {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        if response.status_code >= 400 or error:
            error = error or {}
            message = error.get("message") or f"HTTP {response.status_code}"
            raise PublishError(f"Facebook Graph: {message}", code=error.get("code"))
        return dict(body)


def _post_id(kind: str, body: dict[str, Any]) -> str | None:
    return None if kind == "video" else str(body["id"])
