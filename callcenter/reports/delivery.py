"""E-mail: a built pack with its files attached, and alerts for a late or failed pack."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from callcenter.reports import fmt, thai
from callcenter.reports.build import Pack
from callcenter.reports.periods import Period

SIGNATURE = "รายงานอัตโนมัติจากศูนย์ 1212 · Automatic report from the 1212 centre"


def _base(sender: str, recipients: Sequence[str], subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="callcenter.reports")
    return msg


def pack_message(pack: Pack, *, sender: str, recipients: Sequence[str]) -> EmailMessage:
    p, lang = pack.period, pack.lang
    title_th = thai.word(p.kind.value, "th")
    title_en = thai.word(p.kind.value, "en")
    revision = f" (revision {pack.revision})" if pack.revision > 1 else ""
    msg = _base(sender, recipients, f"[1212 report] {p.kind.value} {p.name}{revision}")
    complete = (
        thai.word("complete" if pack.complete else "incomplete", "th"),
        thai.word("complete" if pack.complete else "incomplete", "en"),
    )
    lines = [
        f"{title_th} {fmt.period_title(p, 'th')}",
        f"{title_en} {fmt.period_title(p, 'en')}",
        "",
        *complete,
        "",
        *(f"- {f.name} (sha256 {f.sha256})" for f in pack.files),
        "",
        f"pack sha256: {pack.sha256}",
        f"language: {lang}",
        "",
        "-- ",
        SIGNATURE,
        "",
    ]
    msg.set_content("\n".join(lines))
    for f in pack.files:
        main, sub = f.content_type.split("/", 1)
        msg.add_attachment(f.content, maintype=main, subtype=sub, filename=f.name)
    return msg


def alert_message(
    period: Period, *, what: str, error: str, sender: str, recipients: Sequence[str]
) -> EmailMessage:
    """`what`: late (past due, no pack yet) or failed (the build raised `error`)."""
    th = {"late": "รายงานล่าช้า", "failed": "สร้างรายงานไม่สำเร็จ"}[what]
    en = {"late": "Report pack is late", "failed": "Report pack failed"}[what]
    msg = _base(sender, recipients, f"[1212 report {what}] {period.kind.value} {period.name}: {en}")
    msg.set_content(
        "\n".join(
            [
                f"{th}: {thai.word(period.kind.value, 'th')} {fmt.period_title(period, 'th')}",
                f"{en}: {period.kind.value} {period.name}",
                *(["", f"Error: {error}"] if error else []),
                "",
                "-- ",
                SIGNATURE,
                "",
            ]
        )
    )
    return msg
