"""The IVR figures (ivr-v1) recounted from Asterisk's CEL alone (asterisk_conf/cel.conf and
cel_custom.conf: the chroot's /var/log/asterisk/cel-custom/ivr.csv), sharing no code with
`service.kpis`, which counts the rows the service stored.

Per caller channel (Uniqueid): it entered the IVR when CEL has APP_START Stasis with
"<app>,ivr"; it reached a queue when the same channel has APP_START Queue (the queue is the
first field of its data); its CHAN_END carries the channel's userfield, where the IVR wrote the
caller's path (`lang=th;opt=1;tries=1;fb=0;cases=0;out=routed`). A channel that never reached
Queue() hung up in the IVR, unless its userfield says the line was closed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COLUMNS = ("event", "time", "uniqueid", "linkedid", "app", "appdata", "userfield", "caller")


@dataclass
class _Channel:
    entered: float
    queue: str | None = None
    marks: dict[str, str] = field(default_factory=dict)


def lines(path: Path) -> list[dict[str, str]]:
    """The CEL lines of the file (none when it does not exist yet)."""
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            return [dict(zip(COLUMNS, row, strict=False)) for row in csv.reader(fh) if row]
    except FileNotFoundError:
        return []


def recount(
    rows: Iterable[dict[str, str]], *, start: float, end: float, app: str | None = None
) -> dict[str, Any]:
    """ivr-v1 of the callers who entered the IVR (of Stasis app `app`, else any) in
    [start, end) (epoch seconds)."""
    channels: dict[str, _Channel] = {}
    for row in rows:
        uid, event, name = row.get("uniqueid", ""), row.get("event"), row.get("app", "")
        if event == "APP_START" and name.lower() == "stasis":
            args = row.get("appdata", "").split(",")
            if len(args) >= 2 and args[1] == "ivr" and (app is None or args[0] == app):
                moment = float(row.get("time") or 0)
                if start <= moment < end:
                    channels.setdefault(uid, _Channel(entered=moment))
        elif event == "APP_START" and name.lower() == "queue" and uid in channels:
            if channels[uid].queue is None:
                channels[uid].queue = row.get("appdata", "").split(",")[0]
        elif event == "CHAN_END" and uid in channels:
            parts = (part.partition("=") for part in row.get("userfield", "").split(";"))
            channels[uid].marks = {k: v for k, _, v in parts if k}
    out: dict[str, Any] = {
        "ivr_calls": len(channels), "ivr_routed": 0, "ivr_hangups": 0, "ivr_closed": 0,
        "ivr_fallbacks": 0, "ivr_case_status": 0,
    }  # fmt: skip
    by_queue: dict[str, int] = {}
    by_language: dict[str, int] = {}
    by_option: dict[str, int] = {}
    for channel in channels.values():
        marks = channel.marks
        if marks.get("cases", "0") not in ("", "0"):
            out["ivr_case_status"] += 1
        if channel.queue is None:
            out["ivr_closed" if marks.get("out") == "closed" else "ivr_hangups"] += 1
            continue
        out["ivr_routed"] += 1
        out["ivr_fallbacks"] += marks.get("fb") == "1"
        by_queue[channel.queue] = by_queue.get(channel.queue, 0) + 1
        language = marks.get("lang", "")
        by_language[language] = by_language.get(language, 0) + 1
        option = marks.get("opt") or "none"
        by_option[option] = by_option.get(option, 0) + 1
    out["ivr_by_language"] = dict(sorted(by_language.items()))
    out["ivr_by_option"] = dict(sorted(by_option.items()))
    out["ivr_by_queue"] = [{"queue": q, "ivr_routed": n} for q, n in sorted(by_queue.items())]
    return out
