"""Case rules without I/O: workflow, masking, phone numbers, Thai tokenising, fcr_pct."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.cases import fcr, privacy, search, workflow
from callcenter.cases.errors import InvalidTransition, ResolutionRequired
from callcenter.cases.models import Status

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_workflow_allows_the_documented_path_and_refuses_skips() -> None:
    path = [Status.new, Status.in_progress, Status.referred, Status.waiting_for_caller,
            Status.resolved, Status.closed]  # fmt: skip
    for current, target in itertools.pairwise(path):
        workflow.check(current=current, target=target, resolution="done")
    with pytest.raises(InvalidTransition) as exc:
        workflow.check(current=Status.new, target=Status.closed, resolution="done")
    assert exc.value.error_id == "invalid_status_transition"
    assert exc.value.details["allowed"] == ["in_progress", "referred", "waiting_for_caller",
                                            "resolved"]  # fmt: skip
    with pytest.raises(InvalidTransition):
        workflow.check(current=Status.closed, target=Status.in_progress, resolution="x")
    with pytest.raises(ResolutionRequired):
        workflow.check(current=Status.in_progress, target=Status.resolved, resolution="  ")


def test_phone_numbers_normalise_to_the_thai_national_form() -> None:
    assert privacy.normalise_phone("+66 81-234-5678") == "0812345678"
    assert privacy.normalise_phone("081 234 5678") == "0812345678"
    assert privacy.normalise_phone("1212") == "1212"


def test_masking_keeps_only_what_identifies_nobody() -> None:
    assert privacy.mask("caller_phone", "0812345678") == "******5678"
    assert privacy.mask("caller_national_id", "1101700203451") == "*********3451"
    assert privacy.mask("caller_email", "somchai@example.co.th") == "s***@example.co.th"
    assert privacy.mask("caller_name", "สมชาย ใจดี") == "ส***"
    assert privacy.mask("caller_phone", "") == ""


def test_thai_text_is_cut_into_words_and_english_lower_cased() -> None:
    words = search.tokens("ผมสั่งซื้อโทรศัพท์จากร้านค้าออนไลน์แต่ไม่ได้รับสินค้า Shopee")
    assert {"สั่งซื้อ", "ร้านค้า", "ออนไลน์", "สินค้า", "shopee"} <= set(words)
    pieces = search.parse("ไม่ได้รับสินค้า!  Shopee")
    assert [(p.text, p.words) for p in pieces] == [
        ("ไม่ได้รับสินค้า!", ("ไม่", "ได้รับ", "สินค้า")), ("shopee", ("shopee",)),
    ]  # fmt: skip
    doc = search.document(["ร้านค้าไม่ส่งของ", None, "Quick  LOAN"])
    assert doc == "ร้านค้าไม่ส่งของ quick loan | ร้านค้า ไม่ ส่ง ของ quick loan "


def _case(case_id: int, caller: str = "0811111111", *, done: bool = True, flag: bool = False,
          calls: int = 1, line: str = "online-shopping") -> fcr.CaseFacts:  # fmt: skip
    return fcr.CaseFacts(
        case_id=case_id, caller=caller, service_line=line, opened_at=T0, done=done,
        fcr_flag=flag, linkedids=frozenset(f"{case_id}.{n}" for n in range(calls)),
    )  # fmt: skip


def test_fcr_counts_repeat_contacts_within_seven_days_only() -> None:
    cases = [
        _case(1, "0811111111", flag=True),  # came back on day 3 about the same line: not FCR
        _case(2, "0822222222", flag=True),  # came back on day 8: FCR
        _case(3, "0833333333"),  # came back within a day, about another line: FCR
        _case(4, "0844444444", flag=True, calls=2),  # needed a second call: not FCR
        _case(5, "0855555555", done=False),  # still open: not in the denominator
    ]
    contacts = [
        fcr.Contact("0811111111", "online-shopping", T0 + timedelta(days=3), linkedid="x"),
        fcr.Contact("0822222222", "online-shopping", T0 + timedelta(days=8), case_id=9),
        fcr.Contact("0833333333", "digital-law", T0 + timedelta(hours=5), linkedid="y"),
        fcr.Contact("0844444444", "online-shopping", T0 + timedelta(hours=1), linkedid="4.1"),
    ]
    result = fcr.compute(cases, contacts)
    assert (result["cases_closed"], result["cases_fcr"], result["fcr_pct"]) == (4, 2, 50.0)
    assert (result["fcr_agent_flagged"], result["fcr_agent_flagged_pct"]) == (3, 75.0)


def test_fcr_with_no_closed_case_is_null() -> None:
    assert fcr.compute([], [])["fcr_pct"] is None
