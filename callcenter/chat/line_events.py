"""LINE webhook events → what the desk stores: pure functions, no I/O.

The shapes are LINE's published webhook schema (line/line-openapi webhook.yml):
`{"destination": …, "events": [Event…]}`, each event with `type`, `timestamp` (ms),
`mode`, `webhookEventId` (ULID), `deliveryContext.isRedelivery`, usually `source.userId`,
and for messages `replyToken` and `message` {id, type, text…}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Message types LINE sends, as the desk shows them; others are stored as "other".
MESSAGE_KINDS = frozenset({"text", "image", "video", "audio", "file", "location", "sticker"})
# Event types that reach a conversation; the rest (join, leave, unsend…) are stored only.
CONVERSATION_EVENTS = frozenset({"message", "postback", "follow", "unfollow"})


class MalformedEvents(ValueError):
    """The body is not a LINE webhook request."""


@dataclass(frozen=True, kw_only=True)
class Inbound:
    """One customer action: a message, a postback, a follow or an unfollow."""

    event_id: str
    customer_id: str
    kind: str  # text, image, sticker, …, postback, follow, unfollow
    text: str  # the text, the postback data, or a short label for a sticker or image
    at: datetime
    external_id: str | None  # LINE's message id
    reply_token: str | None
    postback: str | None = None


def events_of(body: Any) -> list[dict[str, Any]]:
    """The events of a webhook body (an empty list for the console's verify call)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise MalformedEvents("the body has no 'events' list")
    events = body["events"]
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("webhookEventId"), str):
            raise MalformedEvents("an event has no webhookEventId")
    return events


def is_redelivery(event: dict[str, Any]) -> bool:
    context = event.get("deliveryContext")
    return isinstance(context, dict) and context.get("isRedelivery") is True


def inbound(event: dict[str, Any]) -> Inbound | None:
    """The customer action in `event`, or None for events that are not one (or not a user's)."""
    kind = event.get("type")
    source = event.get("source") or {}
    user_id = source.get("userId") if isinstance(source, dict) else None
    if kind not in CONVERSATION_EVENTS or not isinstance(user_id, str):
        return None
    at = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=UTC)
    common = {
        "event_id": event["webhookEventId"], "customer_id": user_id, "at": at,
        "reply_token": event.get("replyToken"),
    }  # fmt: skip
    if kind == "message":
        message = event.get("message") or {}
        mtype = str(message.get("type", "other"))
        mtype = mtype if mtype in MESSAGE_KINDS else "other"
        return Inbound(
            kind=mtype, text=_message_text(mtype, message),
            external_id=str(message["id"]) if message.get("id") else None, **common,
        )  # fmt: skip
    if kind == "postback":
        data = str((event.get("postback") or {}).get("data", ""))
        return Inbound(kind="postback", text=data, postback=data, external_id=None, **common)
    return Inbound(kind=str(kind), text="", external_id=None, **common)


def _message_text(mtype: str, message: dict[str, Any]) -> str:
    if mtype == "text":
        return str(message.get("text", ""))
    if mtype == "sticker":
        return f"[sticker {message.get('packageId', '')}/{message.get('stickerId', '')}]"
    return f"[{mtype}]"
