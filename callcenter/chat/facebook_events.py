"""Messenger webhook events → what the desk stores: pure functions, no I/O.

Meta's Messenger Platform posts `{"object": "page", "entry": [{"id", "time",
"messaging": [event…]}]}`; a messaging event has `sender.id` (the customer's PSID),
`recipient.id` (the page), `timestamp` (ms) and one of `message` {mid, text,
attachments, quick_reply.payload, is_echo} or `postback` {mid, title, payload}.
Delivery and read receipts and the page's own echoes are not customer actions and are
not stored. Meta has no event id: a message's or postback's `mid` is the key a
redelivered event is recognised by.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callcenter.chat.line_events import Inbound, MalformedEvents


def events_of(body: Any) -> list[tuple[str, dict[str, Any]]]:
    """(mid, event) of every customer message and postback in a webhook body."""
    if not isinstance(body, dict) or body.get("object") != "page":
        raise MalformedEvents("the body is not a Messenger page webhook")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise MalformedEvents("the body has no 'entry' list")
    found = []
    for entry in entries:
        for event in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
            mid = _mid(event)
            if mid is not None:
                found.append((mid, event))
    return found


def _mid(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("sender"), dict):
        return None
    message, postback = event.get("message"), event.get("postback")
    if isinstance(message, dict) and not message.get("is_echo"):
        mid = message.get("mid")
    elif isinstance(postback, dict):
        mid = (
            postback.get("mid") or f"postback:{event['sender'].get('id')}:{event.get('timestamp')}"
        )
    else:
        return None
    return mid if isinstance(mid, str) and mid else None


def inbound(event: dict[str, Any]) -> Inbound | None:
    """The customer action in a stored messaging event."""
    mid = _mid(event)
    psid = event.get("sender", {}).get("id")
    if mid is None or not isinstance(psid, str):
        return None
    kind, text, postback = _content(event)
    return Inbound(
        event_id=mid, customer_id=psid, kind=kind, text=text, postback=postback,
        at=datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=UTC),
        external_id=mid, reply_token=None,
    )  # fmt: skip


def _content(event: dict[str, Any]) -> tuple[str, str, str | None]:
    """(kind, text, postback data) of a message or postback event."""
    if isinstance(event.get("postback"), dict):
        data = str(event["postback"].get("payload", ""))
        return "postback", data, data
    message = event["message"]
    quick = message.get("quick_reply")
    if isinstance(quick, dict) and quick.get("payload"):  # a tapped quick reply
        data = str(quick["payload"])
        return "postback", data, data
    if "text" in message:
        return "text", str(message["text"]), None
    kind, text = _attachment(message.get("attachments"))
    return kind, text, None


def _attachment(attachments: Any) -> tuple[str, str]:
    items = [a for a in attachments if isinstance(a, dict)] if isinstance(attachments, list) else []
    for item in items:  # a sticker: its own type, or (until Meta's change) an image with an id
        payload = item.get("payload")
        sticker = payload.get("sticker_id") if isinstance(payload, dict) else None
        if item.get("type") == "sticker" or (item.get("type") == "image" and sticker):
            return "sticker", f"[sticker {sticker}]" if sticker else "[sticker]"
    kind = str(items[0].get("type", "other")) if items else "other"
    kind = kind if kind in ("image", "video", "audio", "file", "location") else "other"
    return kind, f"[{kind}]"


def image_urls(event: dict[str, Any]) -> list[str]:
    """The URLs of a stored message event's pictures (`attachments` of type image with
    `payload.url`, Meta's CDN), stickers left out: what the desk fetches and keeps."""
    message = event.get("message")
    attachments = message.get("attachments") if isinstance(message, dict) else None
    if _attachment(attachments)[0] != "image":
        return []
    urls = []
    for item in attachments if isinstance(attachments, list) else []:
        payload = item.get("payload") if isinstance(item, dict) else None
        url = payload.get("url") if isinstance(payload, dict) else None
        if item.get("type") == "image" and isinstance(url, str) and url.startswith("http"):
            urls.append(url)
    return urls
