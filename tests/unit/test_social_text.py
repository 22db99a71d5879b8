"""Keyword matching and language detection of the social desk (Thai and English)."""

from __future__ import annotations

from callcenter.social.text import KeywordRule, Matcher, language, words


def rule(keyword: str, **kwargs: object) -> KeywordRule:
    return KeywordRule.build(keyword_id=1, keyword=keyword, **kwargs)  # type: ignore[arg-type]


def found(keyword: str, mention: str, **kwargs: object) -> bool:
    return bool(Matcher([rule(keyword, **kwargs)]).match(mention))


def test_a_thai_keyword_matches_a_whole_word_inside_a_sentence_without_spaces() -> None:
    assert found("ยา", "ร้านนี้ขายยาปลอมในเฟซบุ๊ก")
    assert found("คอลเซ็นเตอร์", "โดนแก๊งคอลเซ็นเตอร์หลอกโอนเงิน")


def test_a_thai_keyword_is_not_found_across_the_edge_of_a_longer_word() -> None:
    assert not found("ยา", "ผมพยายามโทรหาสายด่วนทั้งวัน")  # ยา inside พยายาม
    assert not found("ตา", "สินค้ามาตามนัด")  # ตา inside ตาม


def test_a_keyword_matches_inside_a_dictionary_compound_that_splits_into_words() -> None:
    assert words("ถูกหลอกลวงโอนเงิน")[1] == "หลอกลวง"  # newmm keeps the compound whole
    assert found("หลอก", "ถูกหลอกลวงโอนเงิน")


def test_a_keyword_of_several_words_is_found_across_a_compound_newmm_kept_whole() -> None:
    assert words("ตำรวจปิดบัญชีม้าอีก")[1:3] == ["ปิดบัญชี", "ม้า"]
    assert found("บัญชีม้า", "ตำรวจปิดบัญชีม้าอีกหลายร้อยบัญชี")
    assert not found("ดบัญชี", "ตำรวจปิดบัญชีม้าอีก")  # ปิ is no word


def test_a_keyword_of_several_words_needs_them_in_order_and_adjacent() -> None:
    assert found("บัญชีม้า", "ตำรวจจับเครือข่ายบัญชีม้า 50 บัญชี")
    assert not found("บัญชีม้า", "ม้าตัวนี้ไม่มีบัญชี")


def test_sub_keywords_widen_a_keyword_and_exclusions_veto_it() -> None:
    assert found("1212", "แจ้งสายด่วนได้เลย", sub_keywords=["สายด่วน"])
    assert not found("คอลเซ็นเตอร์", "รับสมัครพนักงานคอลเซ็นเตอร์ เงินเดือนดี", exclusions=["รับสมัคร"])
    assert found("คอลเซ็นเตอร์", "แก๊งคอลเซ็นเตอร์โทรมาอีกแล้ว", exclusions=["รับสมัคร"])


def test_english_keywords_match_whole_words_case_insensitively() -> None:
    assert found("scam", "Another SCAM call today, police say")
    assert not found("scam", "scampi for dinner")
    assert found("fake bank", "They used a fake bank page.")


def test_a_keyword_limited_to_one_language_skips_mentions_in_another() -> None:
    assert found("1212", "call 1212 now", language="en")
    assert not found("1212", "โทร 1212 ได้เลย", language="en")


def test_language_follows_the_share_of_thai_letters() -> None:
    assert language("โดนหลอกโอนเงินผ่าน mobile banking") == "th"
    assert language("Scam alert: fake SMS from 'Kerry' ขนส่ง") == "en"
    assert language("1212 !!!") == "und"


def test_the_matcher_reports_which_phrases_were_found_per_keyword() -> None:
    matcher = Matcher([
        KeywordRule.build(keyword_id=7, keyword="หลอก", sub_keywords=["มิจฉาชีพ"]),
        KeywordRule.build(keyword_id=8, keyword="1212"),
    ])  # fmt: skip
    assert matcher.match("มิจฉาชีพโทรมาหลอก") == {7: ["หลอก", "มิจฉาชีพ"]}
