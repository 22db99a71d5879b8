"""The LINE stand-in's check against LINE's published OpenAPI description (vendored)."""

from __future__ import annotations

from callcenter.chat import openapi_check as check

BROADCAST = check.request_schema("/v2/bot/message/broadcast")
MULTICAST = check.request_schema("/v2/bot/message/multicast")


def test_a_text_and_a_picture_with_quick_replies_conform() -> None:
    body = {
        "messages": [
            {"type": "text", "text": "เตือนภัย",
             "quickReply": {"items": [{"type": "action", "action": {
                 "type": "postback", "label": "ร้องเรียน", "data": "intake"}}]}},
            {"type": "image", "originalContentUrl": "https://x.test/a.png",
             "previewImageUrl": "https://x.test/a.png"},
        ]
    }  # fmt: skip
    assert check.problems(body, BROADCAST) == []


def test_what_line_would_refuse_is_named() -> None:
    assert check.problems({}, BROADCAST) == ["body.messages: required"]
    assert check.problems({"messages": []}, BROADCAST) == [
        "body.messages: size must be between 1 and 5"
    ]
    wrong = check.problems({"messages": [{"type": "image"}, {"type": "gif"}]}, BROADCAST)
    assert "body.messages[0].originalContentUrl: required" in wrong
    assert "body.messages[1].type: unknown value 'gif'" in wrong
    too_many = {
        "to": [f"U{i:032x}" for i in range(501)],
        "messages": [{"type": "text", "text": "x"}],
    }
    assert check.problems(too_many, MULTICAST) == ["body.to: size must be between 1 and 500"]
    assert check.problems({"to": "U1", "messages": [{"type": "text", "text": 1}]}, MULTICAST) == [
        "body.messages[0].text: must be string", "body.to: must be array",
    ]  # fmt: skip
