"""LINE signatures (checked against the official SDK), webhook events and the bot's turns."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhook import SignatureValidator

from callcenter.chat import bot
from callcenter.chat.line_events import Inbound, MalformedEvents, events_of, inbound, is_redelivery
from callcenter.chat.signature import line_signature, line_valid

SECRET = "8f2a61e0b3c94d7e9a1b2c3d4e5f6071"
LINES = [
    bot.LineChoice("online-shopping", "ซื้อขายออนไลน์", "Online shopping"),
    bot.LineChoice("digital-platforms", "แพลตฟอร์มดิจิทัล", "Digital platforms"),
]
BODY = json.dumps(
    {
        "destination": "U" + "0" * 32,
        "events": [
            {
                "type": "message", "mode": "active", "timestamp": 1765000000123,
                "source": {"type": "user", "userId": "U" + "a" * 32},
                "webhookEventId": "01JEXAMPLE0000000000000000", "replyToken": "r1",
                "deliveryContext": {"isRedelivery": True},
                "message": {"id": "555", "type": "text", "text": "สวัสดี", "quoteToken": "q"},
            }
        ],
    },
    ensure_ascii=False,
).encode()  # fmt: skip


def test_our_signature_is_the_one_the_line_sdk_accepts() -> None:
    signature = line_signature(SECRET, BODY)
    assert SignatureValidator(SECRET).validate(BODY.decode(), signature)
    events = WebhookParser(SECRET).parse(BODY.decode(), signature)
    assert events[0].message.text == "สวัสดี"  # type: ignore[attr-defined]
    assert line_valid(SECRET, BODY, signature)


def test_a_signature_of_another_secret_or_body_is_refused_by_both_the_sdk_and_us() -> None:
    forged = line_signature("another-secret", BODY)
    with pytest.raises(InvalidSignatureError):
        WebhookParser(SECRET).parse(BODY.decode(), forged)
    assert not line_valid(SECRET, BODY, forged)
    assert not line_valid(SECRET, BODY + b" ", line_signature(SECRET, BODY))
    assert not line_valid(SECRET, BODY, None)
    assert not line_valid("", BODY, line_signature("", BODY))  # no secret configured: refuse


def test_a_text_event_becomes_the_customers_message_with_its_reply_token() -> None:
    [event] = events_of(json.loads(BODY))
    action = inbound(event)
    assert action is not None
    assert (action.kind, action.text, action.external_id) == ("text", "สวัสดี", "555")
    assert action.reply_token == "r1" and action.customer_id == "U" + "a" * 32
    assert action.at.timestamp() == pytest.approx(1765000000.123)
    assert is_redelivery(event)


def test_a_sticker_reads_as_a_sticker_and_a_group_join_is_not_a_customer_action() -> None:
    sticker = {
        "type": "message", "webhookEventId": "x", "timestamp": 0,
        "source": {"type": "user", "userId": "U1"},
        "message": {"id": "9", "type": "sticker", "packageId": "446", "stickerId": "1988"},
    }  # fmt: skip
    action = inbound(sticker)
    assert action is not None and action.kind == "sticker"
    assert action.text == "[sticker 446/1988]"
    join = {"type": "join", "webhookEventId": "y", "source": {"type": "group", "groupId": "C1"}}
    assert inbound(join) is None


def test_a_body_without_events_or_event_ids_is_malformed() -> None:
    assert events_of({"destination": "U", "events": []}) == []
    with pytest.raises(MalformedEvents):
        events_of({"destination": "U"})
    with pytest.raises(MalformedEvents):
        events_of({"events": [{"type": "message"}]})


def _action(text: str = "", postback: str | None = None, kind: str = "text") -> Inbound:
    return Inbound(
        event_id="e", customer_id="U1", kind="postback" if postback else kind, text=text,
        at=datetime(2026, 1, 1, tzinfo=UTC), external_id=None, reply_token="t",
        postback=postback,
    )  # fmt: skip


def _turn(action: Inbound, state: str = "bot", lang: str = "th", failures: int = 0) -> bot.Turn:
    seen = bot.Seen(state=state, lang=lang, failures=failures)
    return bot.turn(seen, action, lines=LINES, sla_minutes=30)


def test_following_the_account_greets_in_thai_with_the_service_lines_as_quick_replies() -> None:
    answer = _turn(_action(kind="follow"))
    [menu] = answer.replies
    assert menu["text"].startswith("สวัสดี")
    items = menu["quickReply"]["items"]
    assert [i["action"]["data"] for i in items] == [
        "line=online-shopping", "line=digital-platforms", "admin", "lang=en",
    ]  # fmt: skip
    assert all(len(i["action"]["label"]) <= bot.LABEL_MAX for i in items)
    assert not answer.handoff


def test_choosing_english_answers_in_english_and_offers_thai() -> None:
    answer = _turn(_action(postback="lang=en"))
    assert answer.lang == "en"
    assert answer.replies[0]["text"].startswith("Hello")
    assert answer.replies[0]["quickReply"]["items"][-1]["action"]["label"] == "ภาษาไทย"


def test_choosing_a_service_line_hands_off_with_the_line_and_the_reply_time() -> None:
    answer = _turn(_action(postback="line=online-shopping"), lang="en")
    assert answer.handoff and answer.service_line == "online-shopping"
    assert [r["text"] for r in answer.replies] == [
        "Topic: Online shopping",
        "An admin has your conversation and will reply within 30 minutes.",
    ]


def test_asking_for_an_admin_in_thai_hands_off() -> None:
    answer = _turn(_action("ขอคุยกับเจ้าหน้าที่ค่ะ"))
    assert answer.handoff
    assert "30 นาที" in answer.replies[-1]["text"]


def test_the_second_turn_the_bot_does_not_understand_hands_off() -> None:
    first = _turn(_action("ร้านไม่ส่งของ"))
    assert not first.handoff and first.failures == 1
    second = _turn(_action("ทำยังไงดี"), failures=first.failures)
    assert second.handoff and second.failures == 0


@pytest.mark.parametrize("state", ["queued", "assigned"])
def test_the_bot_is_silent_while_the_conversation_waits_for_or_is_held_by_an_admin(
    state: str,
) -> None:
    answer = _turn(_action("แอดมิน"), state=state)
    assert answer.replies == [] and not answer.handoff


def test_a_postback_reads_in_the_inbox_as_the_button_the_customer_pressed() -> None:
    assert bot.shown_as("line=digital-platforms", LINES, "th") == "แพลตฟอร์มดิจิทัล"
    assert bot.shown_as("line=digital-platforms", LINES, "en") == "Digital platforms"
    assert bot.shown_as("admin", LINES, "en") == "Talk to an admin"
    assert bot.shown_as("lang=en", LINES, "th") == "English"
    assert bot.shown_as("something-else", LINES, "th") == "something-else"
