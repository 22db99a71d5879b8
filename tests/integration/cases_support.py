"""Helpers of the case tests: a unique phone number, a case body."""

from __future__ import annotations

import uuid
from typing import Any


def unique_phone() -> str:
    return "08" + str(uuid.uuid4().int)[:8]


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "caller_name": "สมหญิง รักดี",
        "caller_phone": unique_phone(),
        "caller_email": "somying@example.co.th",
        "caller_national_id": "1101700203451",
        "service_line": "online-shopping",
        "category": "item-not-received",
        "description": "สั่งซื้อโทรศัพท์มือถือจากร้านค้าออนไลน์แต่ไม่ได้รับสินค้า",
        "amount_lost": "1590.50",
        "shop_name": "ร้านมือถือราคาถูก",
        "platform": "Facebook",
        "url": "https://facebook.com/cheap-phones",
    }
    body.update(overrides)
    return body
