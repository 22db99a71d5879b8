"""A local stand-in for the Facebook Graph API (a Page's posts and comments) and the YouTube
Data API v3 (commentThreads), on 127.0.0.1, answering in their published shapes.

Graph: `GET /{version}/{page-id}/posts` and `GET /{version}/{post-id}/comments`, newest
first, `since` (epoch seconds), `limit`, `after`; `data` + `paging` (`cursors.before` /
`cursors.after`, and `next` while more remain); errors as `{"error": {message, type, code,
fbtrace_id}}` (190 for a wrong token, 4 / 32 for rate limits); `X-App-Usage` on every
answer and `X-Business-Use-Case-Usage` (with `estimated_time_to_regain_access`, minutes).

YouTube: `GET /youtube/v3/commentThreads` (`allThreadsRelatedToChannelId` or `videoId`,
`maxResults`, `pageToken`, `key`): a `youtube#commentThreadListResponse` with `items`,
`pageInfo` and `nextPageToken`; each list costs one unit of a daily quota and a spent
quota answers 403 with reason `quotaExceeded`; errors as Google's `{"error": {code,
message, errors: [{message, domain, reason}]}}`.

Publishing: `POST /{version}/{page-id}/feed|photos|videos` (a form, multipart with a file)
answers `{"id"}` (photos also `post_id`); `scheduled_publish_time` must be 10 minutes to 30
days ahead of the stand-in's clock, and the post is out once that clock passes it;
`GET /{id}?fields=is_published|published,post_id|shares,reactions.summary(true)` and
`GET /{post-id}/insights?metric=post_impressions_unique`. LINE: `POST
/v2/bot/message/broadcast` (messages checked; X-Line-Retry-Key: a second use answers 409).

Tests drive it: add posts, comments and threads, set usage, make it rate-limit, take it
down after so many answers.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from callcenter.social.facebook import VERSION
from callcenter.social.standin import send_json
from callcenter.social.youtube import PATH as YOUTUBE_PATH

GRAPH_TIME = "%Y-%m-%dT%H:%M:%S+0000"


@dataclass
class GraphState:
    token: str
    page_id: str = "104857600000001"
    page_name: str = "ศูนย์ 1212 OCC"
    posts: list[dict[str, Any]] = field(default_factory=list)  # newest last
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    usage: int = 5  # percent, in X-App-Usage and X-Business-Use-Case-Usage
    regain_minutes: int = 0
    limited: int = 0  # the next this many requests answer rate-limit error `limit_code`
    limit_code: int = 32
    down: bool = False
    down_after: int | None = None
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    placed: dict[str, dict[str, Any]] = field(default_factory=dict)  # what the centre published
    refuse_next: int = 0  # the next this many publishing calls answer a 500


@dataclass
class LineState:
    token: str
    broadcasts: list[dict[str, Any]] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # retry key → request id
    fail_next: int = 0  # the next this many broadcasts answer 500


@dataclass
class YouTubeState:
    key: str
    threads: list[dict[str, Any]] = field(default_factory=list)  # newest last
    quota: int = 10_000  # units left today; a list costs 1
    down: bool = False
    down_after: int | None = None
    requests: list[dict[str, str]] = field(default_factory=list)


class PlatformStandIn:
    def __init__(self, *, graph_token: str, youtube_key: str, line_token: str = "") -> None:
        self.graph = GraphState(token=graph_token)
        self.youtube = YouTubeState(key=youtube_key)
        self.line = LineState(token=line_token)
        self.clock: Callable[[], float] = time.time  # decides when scheduled posts are out
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._serial = 0

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> PlatformStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_id(self) -> int:
        self._serial += 1
        return self._serial

    # -- Graph ---------------------------------------------------------------------------------
    def page_post(self, *, message: str, at: datetime, reactions: int = 0, shares: int = 0) -> str:
        g = self.graph
        with self.lock:
            post_id = f"{g.page_id}_{900000 + self._next_id()}"
            g.posts.append({
                "id": post_id, "message": message, "created_time": at.strftime(GRAPH_TIME),
                "permalink_url": f"https://www.facebook.com/{g.page_id}/posts/{post_id}",
                "from": {"id": g.page_id, "name": g.page_name},
                "shares": {"count": shares}, "_reactions": reactions,
            })  # fmt: skip
            g.comments.setdefault(post_id, [])
        return post_id

    def comment(
        self, post_id: str, *, message: str, at: datetime, name: str, likes: int = 0
    ) -> str:
        with self.lock:
            comment_id = f"{post_id.split('_')[-1]}_{700000 + self._next_id()}"
            self.graph.comments[post_id].append({
                "id": comment_id, "message": message, "created_time": at.strftime(GRAPH_TIME),
                "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={comment_id}",
                "from": {"id": str(abs(hash(name)) % 10**15), "name": name},
                "like_count": likes, "comment_count": 0,
            })  # fmt: skip
        return comment_id

    def graph_get(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        g = self.graph
        with self.lock:
            g.requests.append((path, params))
            if g.down_after is not None:
                g.down, g.down_after = g.down_after <= 0, g.down_after - 1
            if g.down:
                return 500, _graph_error("An unknown error has occurred.", 1, "OAuthException")
            if params.get("access_token") != g.token:
                return 400, _graph_error("Invalid OAuth access token - Cannot parse access token",
                                         190, "OAuthException")  # fmt: skip
            if g.limited > 0:
                g.limited -= 1
                return 400, _graph_error(_LIMIT_MESSAGES.get(g.limit_code, "Rate limit"),
                                         g.limit_code, "OAuthException")  # fmt: skip
            parts = path.strip("/").split("/")
            if len(parts) in (2, 3) and parts[0] == VERSION and parts[1] in g.placed:
                return 200, self._placed_get(parts[1], (parts[2:] or [""])[0], params)
            if len(parts) == 3 and parts[0] == VERSION and parts[2] == "posts":
                if parts[1] != g.page_id:
                    return 400, _graph_error(
                        "Unsupported get request.", 100, "GraphMethodException"
                    )
                items = [_post_out(p, len(g.comments[p["id"]])) for p in g.posts]
            elif len(parts) == 3 and parts[0] == VERSION and parts[2] == "comments":
                if parts[1] not in g.comments:
                    return 400, _graph_error(
                        "Unsupported get request.", 100, "GraphMethodException"
                    )
                items = list(g.comments[parts[1]])
            else:
                return 404, _graph_error("Unknown path components", 2500, "OAuthException")
            return 200, _graph_page(path, params, items)

    def graph_post(self, path: str, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """`POST /{page-id}/feed|photos|videos`: a post now, unpublished, or scheduled."""
        g = self.graph
        with self.lock:
            g.requests.append((path, {k: v for k, v in fields.items() if isinstance(v, str)}))
            if fields.get("access_token") != g.token:
                return 400, _graph_error("Invalid OAuth access token - Cannot parse access token",
                                         190, "OAuthException")  # fmt: skip
            if g.refuse_next > 0:
                g.refuse_next -= 1
                return 500, _graph_error("An unknown error has occurred.", 1, "OAuthException")
            parts = path.strip("/").split("/")
            if len(parts) != 3 or parts[0] != VERSION or parts[1] != g.page_id:
                return 400, _graph_error("Unsupported post request.", 100, "GraphMethodException")
            edge, now = parts[2], self.clock()
            if edge not in ("feed", "photos", "videos"):
                return 400, _graph_error("Unknown path components", 2500, "OAuthException")
            if edge in ("photos", "videos") and not isinstance(fields.get("source"), dict):
                return 400, _graph_error("(#324) Requires upload file", 324, "OAuthException")
            at = fields.get("scheduled_publish_time")
            if at is not None:
                lead = int(at) - now
                if fields.get("published") != "false" or not 600 <= lead <= 30 * 86400:
                    return 400, _graph_error(
                        "(#100) The specified scheduled publish time is invalid.", 100,
                        "OAuthException",
                    )  # fmt: skip
            post_id = f"{g.page_id}_{800000 + self._next_id()}"
            item = {
                "edge": edge, "post_id": post_id, "message": fields.get("message", ""),
                "title": fields.get("title", ""), "description": fields.get("description", ""),
                "published": fields.get("published", "true") != "false",
                "scheduled_publish_time": int(at) if at is not None else None,
                "source": fields.get("source"), "reach": 0, "reactions": 0, "shares": 0,
            }  # fmt: skip
            if edge == "feed":
                g.placed[post_id] = item
                return 200, {"id": post_id}
            media_id = str(600000000 + self._next_id())
            g.placed[media_id] = item
            g.placed[post_id] = item
            if edge == "photos":
                return 200, {"id": media_id, "post_id": post_id}
            return 200, {"id": media_id}

    def is_out(self, item: dict[str, Any]) -> bool:
        at = item["scheduled_publish_time"]
        return bool(item["published"]) or (at is not None and at <= self.clock())

    def _placed_get(self, object_id: str, tail: str, params: dict[str, str]) -> dict[str, Any]:
        item = self.graph.placed[object_id]
        if tail == "insights":
            reach = item["reach"] if self.is_out(item) else 0
            return {"data": [{
                "name": "post_impressions_unique", "period": "lifetime",
                "values": [{"value": reach}], "title": "Lifetime Post Total Reach",
                "description": "Lifetime: The number of people who had your Page's post enter "
                               "their screen. (Unique Users)",
                "id": f"{item['post_id']}/insights/post_impressions_unique/lifetime",
            }]}  # fmt: skip
        out: dict[str, Any] = {"id": object_id}
        for name in params.get("fields", "").split(","):
            name = name.split(".")[0]
            if name == "is_published":
                out["is_published"] = self.is_out(item)
            elif name == "published":
                out["published"] = self.is_out(item)
            elif name == "post_id" and self.is_out(item):
                out["post_id"] = item["post_id"]
            elif name == "shares" and item["shares"]:
                out["shares"] = {"count": item["shares"]}
            elif name == "reactions":
                out["reactions"] = {"data": [], "summary": {"total_count": item["reactions"],
                                                            "viewer_reaction": "NONE"}}  # fmt: skip
        return out

    def line_broadcast(
        self, authorization: str | None, retry_key: str | None, body: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """`POST /v2/bot/message/broadcast`."""
        line = self.line
        with self.lock:
            if authorization != f"Bearer {line.token}":
                return 401, {"message": "Authentication failed. Confirm that the access token "
                             "in the authorization header is valid."}, {}  # fmt: skip
            problem = _line_messages_problem(
                body.get("messages") if isinstance(body, dict) else None
            )
            if problem:
                details = [{"message": problem, "property": "messages"}]
                return 400, {"message": "The request body has 1 error(s)", "details": details}, {}
            if retry_key is not None:
                try:
                    uuid.UUID(retry_key)
                except ValueError:
                    return 400, {"message": "The retry key must be a UUID"}, {}
                if retry_key in line.accepted:
                    return 409, {"message": "The retry key is already accepted"}, {
                        "X-Line-Accepted-Request-Id": line.accepted[retry_key]}  # fmt: skip
            if line.fail_next > 0:
                line.fail_next -= 1
                return 500, {"message": "An error occurred in the server"}, {}
            request_id = str(uuid.uuid4())
            line.broadcasts.append({"messages": body["messages"], "retry_key": retry_key,
                                    "request_id": request_id, "at": self.clock()})  # fmt: skip
            if retry_key is not None:
                line.accepted[retry_key] = request_id
            return 200, {}, {"X-Line-Request-Id": request_id}

    def graph_headers(self) -> dict[str, str]:
        g = self.graph
        share = {"call_count": g.usage, "total_cputime": g.usage // 2, "total_time": g.usage // 2}
        buc = {g.page_id: [{"type": "pages", **share,
                            "estimated_time_to_regain_access": g.regain_minutes}]}  # fmt: skip
        return {"X-App-Usage": json.dumps(share), "X-Business-Use-Case-Usage": json.dumps(buc)}

    # -- YouTube -------------------------------------------------------------------------------
    def thread(
        self, *, video_id: str, channel_id: str, text: str, at: datetime, author: str,
        likes: int = 0, replies: int = 0,
    ) -> str:  # fmt: skip
        with self.lock:
            comment_id = f"Ugz{self._next_id():08d}AaABAg"
            published = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.youtube.threads.append({
                "kind": "youtube#commentThread", "etag": f"e{comment_id}", "id": comment_id,
                "snippet": {
                    "channelId": channel_id, "videoId": video_id, "canReply": True,
                    "totalReplyCount": replies, "isPublic": True,
                    "topLevelComment": {
                        "kind": "youtube#comment", "etag": f"c{comment_id}", "id": comment_id,
                        "snippet": {
                            "channelId": channel_id, "videoId": video_id, "textDisplay": text,
                            "textOriginal": text, "authorDisplayName": f"@{author}",
                            "authorProfileImageUrl": "https://yt3.ggpht.example/a.jpg",
                            "authorChannelUrl": f"http://www.youtube.com/@{author}",
                            "authorChannelId": {"value": f"UC{author[:20]:_<22}"},
                            "canRate": True, "viewerRating": "none", "likeCount": likes,
                            "publishedAt": published, "updatedAt": published,
                        },
                    },
                },
            })  # fmt: skip
        return comment_id

    def youtube_get(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        y = self.youtube
        with self.lock:
            y.requests.append(params)
            if y.down_after is not None:
                y.down, y.down_after = y.down_after <= 0, y.down_after - 1
            if y.down:
                return 503, _google_error(503, "The service is currently unavailable.",
                                          "backendError", "global")  # fmt: skip
            if params.get("key") != y.key:
                return 400, _google_error(400, "API key not valid. Please pass a valid API key.",
                                          "badRequest", "global")  # fmt: skip
            if y.quota <= 0:
                return 403, _google_error(403, QUOTA_MESSAGE, "quotaExceeded", "youtube.quota")
            y.quota -= 1
            channel, video = params.get("allThreadsRelatedToChannelId"), params.get("videoId")
            mine = [t for t in reversed(y.threads)
                    if (channel and t["snippet"]["channelId"] == channel)
                    or (video and t["snippet"]["videoId"] == video)]  # fmt: skip
            size = max(1, min(100, int(params.get("maxResults") or 20)))
            offset = _offset(params.get("pageToken"))
            body: dict[str, Any] = {
                "kind": "youtube#commentThreadListResponse", "etag": f"l{len(mine)}-{offset}",
                "pageInfo": {"totalResults": len(mine), "resultsPerPage": size},
                "items": mine[offset : offset + size],
            }  # fmt: skip
            if offset + size < len(mine):
                body["nextPageToken"] = _cursor(offset + size)
            return 200, body


QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)
_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


LINE_TYPES = {"text", "image", "video", "audio", "location", "sticker", "imagemap", "template",
              "flex"}  # fmt: skip


def _line_messages_problem(messages: Any) -> str:
    """Why `messages` is not a valid LINE message array ("" when it is)."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("type") not in LINE_TYPES:
            return f"messages[{i}].type: must be one of the message types"
        if message["type"] == "text" and not 1 <= len(str(message.get("text") or "")) <= 5000:
            return f"messages[{i}].text: length must be between 1 and 5000"
        if message["type"] == "image":
            for name in ("originalContentUrl", "previewImageUrl"):
                url = str(message.get(name) or "")
                if not url.startswith(("https://", "http://")) or len(url) > 2000:
                    return f"messages[{i}].{name}: must be a URL of at most 2000 characters"
    return ""


def _graph_error(message: str, code: int, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code,
                      "fbtrace_id": "AbCdEfGhIjK"}}  # fmt: skip


def _google_error(code: int, message: str, reason: str, domain: str) -> dict[str, Any]:
    detail = {"message": message, "domain": domain, "reason": reason}
    return {"error": {"code": code, "message": message, "errors": [detail]}}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).split(b":")[1])
    except (ValueError, IndexError):
        return 0


def _post_out(post: dict[str, Any], comments: int) -> dict[str, Any]:
    """A post with the summaries asked as `reactions.summary(total_count).limit(0)` etc."""
    out = {k: v for k, v in post.items() if not k.startswith("_")}
    out["comments"] = {"data": [], "summary": {"order": "ranked", "total_count": comments,
                                               "can_comment": True}}  # fmt: skip
    out["reactions"] = {"data": [], "summary": {"total_count": post["_reactions"],
                                                "viewer_reaction": "NONE"}}  # fmt: skip
    return out


def _graph_page(path: str, params: dict[str, str], items: list[dict[str, Any]]) -> dict[str, Any]:
    """Newest first, `since` (epoch s, inclusive), `limit`, `after`."""
    since = int(params.get("since") or 0)
    newest_first = sorted(
        (i for i in items if _epoch(i["created_time"]) >= since),
        key=lambda i: (_epoch(i["created_time"]), i["id"]), reverse=True,
    )  # fmt: skip
    size = max(1, min(100, int(params.get("limit") or 25)))
    offset = _offset(params.get("after"))
    page = newest_first[offset : offset + size]
    body: dict[str, Any] = {"data": page}
    if page:
        body["paging"] = {
            "cursors": {"before": _cursor(offset), "after": _cursor(offset + len(page))}
        }
        if offset + size < len(newest_first):
            query = {**params, "after": _cursor(offset + size)}
            query.pop("access_token", None)
            body["paging"]["next"] = f"https://graph.facebook.com{path}?{urlencode(query)}"
    return body


def _epoch(graph_time: str) -> int:
    return int(datetime.strptime(graph_time, "%Y-%m-%dT%H:%M:%S%z").timestamp())


def _handler(stand_in: PlatformStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read the state instead."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if parts.path == YOUTUBE_PATH:
                status, body = stand_in.youtube_get(params)
                send_json(self, status, body, error_type="application/json; charset=UTF-8")
            else:
                status, body = stand_in.graph_get(parts.path, params)
                send_json(self, status, body, stand_in.graph_headers(),
                          error_type="application/json")  # fmt: skip

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if parts.path == LINE_BROADCAST:
                try:
                    body = json.loads(data or b"null")
                except ValueError:
                    body = None
                status, answer, headers = stand_in.line_broadcast(
                    self.headers.get("Authorization"), self.headers.get("X-Line-Retry-Key"), body
                )
                send_json(self, status, answer, headers, error_type="application/json")
                return
            fields = _form(self.headers.get("Content-Type", ""), data)
            status, answer = stand_in.graph_post(parts.path, fields)
            send_json(self, status, answer, stand_in.graph_headers(), error_type="application/json")

    return Handler


LINE_BROADCAST = "/v2/bot/message/broadcast"


def _form(content_type: str, data: bytes) -> dict[str, Any]:
    """A urlencoded or multipart form; a file part as {filename, content_type, size}."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[-1] for k, v in parse_qs(data.decode()).items()}
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + data
    )
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename:
            out[name] = {"filename": filename, "content_type": part.get_content_type(),
                         "size": len(payload)}  # fmt: skip
        else:
            out[name] = payload.decode()
    return out
