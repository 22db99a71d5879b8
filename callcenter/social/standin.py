"""A local stand-in for X API v2 recent search and for news sites' feeds, on 127.0.0.1.

It answers in the published shapes: `GET /2/tweets/search/recent` with `data` (id, text,
author_id, created_at, lang, public_metrics, geo.place_id), `includes.users` and
`includes.places`, `meta` (newest_id, oldest_id, result_count, next_token); the
x-rate-limit-limit / -remaining / -reset headers on every answer; 401, 429 and 503 as
problem documents (title, detail, type, status). `since_id` and `next_token` /
`pagination_token` page as X does (newest first). The query is reduced to its words
joined by OR (operators such as lang:th are ignored). `GET /feeds/<name>` serves a feed
file with an ETag (304 on If-None-Match). Tests and the demo drive it: add posts, spend
the rate limit, make it answer 429, take it down and bring it back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SEARCH = "/2/tweets/search/recent"


@dataclass
class XState:
    token: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    limit: int = 450  # requests per window (X's app limit for recent search)
    window_s: float = 900.0
    used: int = 0
    window_start: float = field(default_factory=time.time)
    too_many_for_s: float = 0.0  # the next search answers 429, resetting this far ahead
    down: bool = False
    down_after: int | None = None  # answer this many more searches, then go down
    requests: list[dict[str, str]] = field(default_factory=list)

    def reset_at(self, now: float) -> float:
        if now >= self.window_start + self.window_s:
            self.window_start, self.used = now, 0
        return self.window_start + self.window_s


class StandIn:
    """The server; `x` is what X holds and how it behaves, `feeds` the feed files."""

    def __init__(self, *, token: str, feeds: Path | None = None) -> None:
        self.x = XState(token=token)
        self.feeds = feeds
        self.feeds_down = False
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def post(
        self,
        *,
        post_id: int,
        text: str,
        created_at: str,
        user: dict[str, Any],
        likes: int = 0,
        retweets: int = 0,
        replies: int = 0,
        quotes: int = 0,
        place: dict[str, Any] | None = None,
        lang: str = "th",
    ) -> None:
        """Publish a post (user: id, username, name, public_metrics.followers_count)."""
        tweet: dict[str, Any] = {
            "id": str(post_id), "text": text, "author_id": user["id"], "created_at": created_at,
            "lang": lang, "edit_history_tweet_ids": [str(post_id)],
            "public_metrics": {
                "retweet_count": retweets, "reply_count": replies, "like_count": likes,
                "quote_count": quotes, "bookmark_count": 0, "impression_count": 0,
            },
        }  # fmt: skip
        if place is not None:
            tweet["geo"] = {"place_id": place["id"]}
            with self.lock:
                self.x.places[place["id"]] = place
        with self.lock:
            self.x.users[user["id"]] = user
            self.x.posts.append(tweet)

    def search(self, params: dict[str, str], now: float) -> tuple[int, dict[str, Any], float]:
        """Status, body and the window's reset time of one recent-search request."""
        x = self.x
        with self.lock:
            x.requests.append(params)
            reset = x.reset_at(now)
            if x.down_after is not None:
                x.down, x.down_after = x.down_after <= 0, x.down_after - 1
            if x.down:
                return 503, _problem("Service Unavailable", 503), reset
            if x.too_many_for_s:
                reset, x.too_many_for_s = now + x.too_many_for_s, 0.0
                x.window_start, x.used = reset - x.window_s, x.limit
                return 429, _problem("Too Many Requests", 429), reset
            if x.used >= x.limit:
                return 429, _problem("Too Many Requests", 429), reset
            x.used += 1
            return 200, self._page(params), reset

    def _page(self, params: dict[str, str]) -> dict[str, Any]:
        terms = _terms(params.get("query", ""))
        since = int(params.get("since_id") or 0)
        token = params.get("next_token") or params.get("pagination_token")
        size = max(10, min(100, int(params.get("max_results") or 10)))
        matching = sorted(
            (p for p in self.x.posts if int(p["id"]) > since and _matches(p["text"], terms)),
            key=lambda p: int(p["id"]),
            reverse=True,
        )
        top, offset = _untoken(token) if token else (None, 0)
        if top is not None:
            matching = [p for p in matching if int(p["id"]) <= top]
        page = matching[offset : offset + size]
        if not page:
            return {"meta": {"result_count": 0}}
        meta: dict[str, Any] = {
            "newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page),
        }  # fmt: skip
        if offset + size < len(matching):
            meta["next_token"] = _token(int(matching[0]["id"]), offset + size)
        users = {p["author_id"] for p in page}
        place_ids = {p["geo"]["place_id"] for p in page if "geo" in p}
        includes: dict[str, Any] = {"users": [self.x.users[u] for u in sorted(users)]}
        if place_ids:
            includes["places"] = [self.x.places[p] for p in sorted(place_ids)]
        return {"data": page, "includes": includes, "meta": meta}


def _problem(title: str, status: int) -> dict[str, Any]:
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


def _terms(query: str) -> list[str]:
    words = query.replace("(", " ").replace(")", " ").split()
    return [w.strip('"').lower() for w in words if w != "OR" and ":" not in w and w[0] != "-"]


def _matches(text: str, terms: list[str]) -> bool:
    return not terms or any(t in text.lower() for t in terms)


def _token(top: int, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{top}:{offset}".encode()).decode().rstrip("=")


def _untoken(token: str) -> tuple[int | None, int]:
    try:
        top, offset = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).split(b":")
        return int(top), int(offset)
    except ValueError:
        return None, 0


def send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
    *,
    error_type: str = "application/problem+json",
) -> None:
    """One JSON answer (errors as `error_type`), with extra headers."""
    data = json.dumps(body, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", error_type if status >= 400 else "application/json")
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read the state instead."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == SEARCH:
                self._search({k: v[-1] for k, v in parse_qs(parts.query).items()})
            elif parts.path.startswith("/feeds/"):
                self._feed(parts.path.removeprefix("/feeds/"))
            else:
                self._send(404, _problem("Not Found", 404))

        def _search(self, params: dict[str, str]) -> None:
            if self.headers.get("Authorization") != f"Bearer {stand_in.x.token}":
                self._send(401, _problem("Unauthorized", 401))
                return
            now = time.time()
            status, body, reset = stand_in.search(params, now)
            x = stand_in.x
            self._send(status, body, {
                "x-rate-limit-limit": str(x.limit),
                "x-rate-limit-remaining": str(max(0, x.limit - x.used)),
                "x-rate-limit-reset": str(int(reset + 0.999)),
            })  # fmt: skip

        def _feed(self, name: str) -> None:
            folder = stand_in.feeds
            path = (folder / name) if folder else None
            if stand_in.feeds_down:
                self._send(503, _problem("Service Unavailable", 503))
                return
            if path is None or "/" in name or not path.is_file():
                self._send(404, _problem("Not Found", 404))
                return
            data = path.read_bytes()
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            send_json(self, status, body, headers)

    return Handler
