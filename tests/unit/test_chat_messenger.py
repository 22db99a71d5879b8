"""Messenger: signatures, webhook events, the Send API message and the messaging windows."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.chat import bot
from callcenter.chat.facebook_client import messenger_message
from callcenter.chat.facebook_events import events_of, image_urls, inbound
from callcenter.chat.line_events import MalformedEvents
from callcenter.chat.models import Author
from callcenter.chat.sends import messenger_tag
from callcenter.chat.signature import facebook_signature, facebook_valid

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
BODY = json.dumps(
    {
        "object": "page",
        "entry": [{"id": "PAGE", "time": 1, "messaging": [
            {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1765101600000,
             "message": {"mid": "m_1", "text": "สวัสดี"}},
            {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1765101601000,
             "message": {"mid": "m_2", "text": "Online shopping",
                         "quick_reply": {"payload": "line=online-shopping"}}},
            {"sender": {"id": "PAGE"}, "recipient": {"id": "PSID1"}, "timestamp": 1765101602000,
             "message": {"mid": "m_3", "text": "echo", "is_echo": True}},
            {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1765101603000,
             "read": {"watermark": 1765101602000}},
            {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1765101604000,
             "message": {"mid": "m_4", "attachments": [
                 {"type": "image", "payload": {"url": "https://x/s.png", "sticker_id": 3692392}}
             ]}},
        ]}],
    },
    ensure_ascii=False,
).encode()  # fmt: skip


def test_the_signature_is_sha256_equals_the_hex_hmac_of_the_raw_body() -> None:
    expected = "sha256=" + hmac.new(b"app-secret", BODY, hashlib.sha256).hexdigest()
    assert facebook_signature("app-secret", BODY) == expected
    assert facebook_valid("app-secret", BODY, expected)
    assert not facebook_valid("app-secret", BODY, expected.upper())
    assert not facebook_valid("app-secret", BODY + b"\n", expected)
    assert not facebook_valid("", BODY, facebook_signature("", BODY))


def test_customer_messages_are_kept_echoes_and_read_receipts_are_not() -> None:
    events = events_of(json.loads(BODY))
    assert [mid for mid, _ in events] == ["m_1", "m_2", "m_4"]
    actions = [inbound(e) for _, e in events]
    assert [(a.kind, a.text, a.postback) for a in actions if a] == [
        ("text", "สวัสดี", None),
        ("postback", "line=online-shopping", "line=online-shopping"),  # a tapped quick reply
        ("sticker", "[sticker 3692392]", None),
    ]
    assert actions[0] is not None and actions[0].customer_id == "PSID1"
    assert actions[0].reply_token is None


def _pictures(*attachments: dict[str, object]) -> dict[str, object]:
    return {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1765101605000,
            "message": {"mid": "m_5", "attachments": list(attachments)}}  # fmt: skip


def test_pictures_are_images_with_their_urls_and_stickers_in_either_form_are_not() -> None:
    two = _pictures(
        {"type": "image", "payload": {"url": "https://cdn.example/a.jpg"}},
        {"type": "image", "payload": {"url": "https://cdn.example/b.png"}},
    )
    action = inbound(two)
    assert action is not None and (action.kind, action.text) == ("image", "[image]")
    assert image_urls(two) == ["https://cdn.example/a.jpg", "https://cdn.example/b.png"]
    # Meta's sticker transition: a "sticker" attachment beside the old image form
    sticker = _pictures(
        {"type": "sticker", "payload": {"url": "https://cdn.example/s.png", "sticker_id": 36}},
        {"type": "image", "payload": {"url": "https://cdn.example/s.png", "sticker_id": 36}},
    )
    action = inbound(sticker)
    assert action is not None and (action.kind, action.text) == ("sticker", "[sticker 36]")
    assert image_urls(sticker) == []
    assert image_urls(_pictures({"type": "video", "payload": {"url": "https://x/v.mp4"}})) == []
    assert image_urls(_pictures({"type": "image", "payload": {"url": "file:///etc/passwd"}})) == []


def test_a_body_that_is_not_a_page_webhook_is_malformed() -> None:
    with pytest.raises(MalformedEvents):
        events_of({"object": "instagram", "entry": []})
    with pytest.raises(MalformedEvents):
        events_of({"object": "page"})


def test_the_bots_menu_becomes_one_message_with_quick_replies() -> None:
    lines = [bot.LineChoice("online-shopping", "ซื้อขายออนไลน์", "Online shopping")]
    seen = bot.Seen(state="bot", lang="th", failures=0)
    action = inbound(events_of(json.loads(BODY))[0][1])
    assert action is not None
    out = messenger_message(bot.turn(seen, action, lines=lines, sla_minutes=30).replies)
    assert out["text"].startswith("ขออภัย")  # "สวัสดี" alone is not understood
    assert [(q["title"], q["payload"]) for q in out["quick_replies"]] == [
        ("ซื้อขายออนไลน์", "line=online-shopping"), ("คุยกับเจ้าหน้าที่", "admin"),
        ("English", "lang=en"),
    ]  # fmt: skip


def test_two_texts_of_one_send_are_joined_into_one_message() -> None:
    out = messenger_message([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    assert out == {"text": "a\n\nb"}


@pytest.mark.parametrize(
    ("hours_ago", "author", "tag"),
    [
        (23, Author.bot, "RESPONSE"), (23, Author.admin, "RESPONSE"),
        (25, Author.bot, None), (25, Author.admin, "HUMAN_AGENT"),
        (24 * 7 - 1, Author.admin, "HUMAN_AGENT"), (24 * 7 + 1, Author.admin, None),
    ],
)  # fmt: skip
def test_messenger_windows_response_24h_human_agent_7_days_for_people_only(
    hours_ago: int, author: Author, tag: str | None
) -> None:
    last = NOW - timedelta(hours=hours_ago)
    assert messenger_tag(last, author=author, now=NOW) == tag
