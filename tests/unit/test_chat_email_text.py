"""E-mail parsing for the chat desk: thread ids, sender, readable text, quoted history cut."""

from __future__ import annotations

from email.message import EmailMessage

from callcenter.chat import email_text


def _raw(**headers: str) -> EmailMessage:
    mail = EmailMessage()
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    return mail


def test_a_reply_gives_its_thread_ids_nearest_first() -> None:
    mail = _raw(From="Nok <NOK@Example.TEST>", Subject="Re: Refund", Message_ID="<c@x>",
                In_Reply_To="<b@x>", References="<a@x> <b@x>")  # fmt: skip
    mail.set_content("thanks")
    parsed = email_text.parse(mail.as_bytes(), fallback_id="1:1@host")
    assert parsed.sender == "nok@example.test" and parsed.sender_name == "Nok"
    assert parsed.message_id == "<c@x>"
    assert parsed.thread_ids == ["<b@x>", "<a@x>"]


def test_a_mail_without_message_id_gets_the_fallback_and_an_html_only_mail_reads_as_text() -> None:
    mail = _raw(From="a@b.test", Subject="html")
    mail.set_content("<p>สวัสดี<br>ครับ</p><script>x()</script>", subtype="html")
    parsed = email_text.parse(mail.as_bytes(), fallback_id="7:42@imap")
    assert parsed.message_id == "<7:42@imap>"
    assert parsed.text == "สวัสดี\nครับ"


def test_a_very_long_message_id_is_hashed_to_fit_the_column() -> None:
    long_id = "<" + "x" * 400 + "@y>"
    assert len(email_text.normal_id(long_id)) <= email_text.ID_MAX
    assert email_text.normal_id(long_id) == email_text.normal_id(long_id)


def test_quoted_history_is_cut_in_english_thai_and_outlook_styles() -> None:
    gmail = "Order 4471.\n\nOn Mon, 7 Dec 2026 at 10:00, 1212 <c@x> wrote:\n> Send the order"
    thai = "เลขที่ 4471\n\nเมื่อ จ. 7 ธ.ค. 2569 10:00 1212 <c@x> เขียนว่า:\n> ส่งเลขคำสั่งซื้อ"
    outlook = "Done.\n\n-----Original Message-----\nFrom: 1212\nSent: today\n\nold text"
    outlook_block = "Done.\n\nFrom: 1212 <c@x>\nSent: Monday\nSubject: Re: x\n\nold text"
    bottom = "yes\n> earlier\n> more"
    for mail, new in [(gmail, "Order 4471."), (thai, "เลขที่ 4471"), (outlook, "Done."),
                      (outlook_block, "Done."), (bottom, "yes")]:  # fmt: skip
        assert email_text.strip_quoted(mail) == new


def test_inline_quotes_between_new_words_and_all_quote_mails_are_kept() -> None:
    inline = "> what is your order?\n4471\n> and the shop?\nShopee"
    assert email_text.strip_quoted(inline) == inline
    assert email_text.strip_quoted("> only a quote") == "> only a quote"
    assert email_text.strip_quoted("From: me, with love") == "From: me, with love"


def test_the_reply_subject_gets_one_re() -> None:
    assert email_text.reply_subject("Refund") == "Re: Refund"
    assert email_text.reply_subject("RE: Refund") == "RE: Refund"
