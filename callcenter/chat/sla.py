"""The first-reply SLA per channel: a target and, optionally, business hours (chat-v1,
docs/kpi-v1.md §10).

The file (`callcenter/chat/data/sla.toml`, or CALLCENTER_CHAT_SLA) has one table per channel
(`line`, `facebook`, `email`) with an optional `target_s` (default: the settings'
CALLCENTER_CHAT_FIRST_REPLY_SLA_S for LINE and Messenger, CALLCENTER_CHAT_EMAIL_SLA_S for
e-mail) and optional `[<channel>.hours]` in the IVR's `[hours]` format (mon … sun =
"08:30-16:30" or a list of ranges, Asia/Bangkok; closed_dates = the holidays); a top-level
`[hours]` is every channel's default. A channel without hours runs its clock 24/7 (the shipped
file: the 1212 chat is staffed around the clock). With hours, the clock runs only while open:
a LINE hand-off on Friday 18:00 under Mon–Fri 08:30–16:30 is due Monday 09:00.

The due time is worked out once, at the hand-off (e-mail: at receipt), and stored on the
conversation and on its hand-off note; the inbox, the KPIs and the wallboard read it from there.
Checked at the desk's start: a broken file raises ValueError naming the file and the problem.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from callcenter.config import Settings
from callcenter.ivrconf import Hours, parse_hours

DEFAULT = Path(__file__).parent / "data" / "sla.toml"
CHANNELS = ("line", "facebook", "email")


@dataclass(frozen=True)
class Rules:
    """Each channel's target (seconds of open time) and opening hours (none: 24/7)."""

    targets: Mapping[str, float]
    hours: Mapping[str, Hours] = field(default_factory=dict)

    def target(self, channel: str) -> float:
        return float(self.targets[channel])

    def hours_of(self, channel: str) -> Hours:
        return self.hours.get(channel, Hours())

    def due(self, channel: str, start: datetime) -> datetime:
        """When the first reply to a conversation handed off (received) at `start` is due."""
        return self.hours_of(channel).open_after(start, self.target(channel))

    def around_the_clock(self, channel: str) -> bool:
        return self.hours_of(channel).always


def defaults(*, chat_s: float, email_s: float) -> Rules:
    """24/7 with the settings' targets (what the shipped file amounts to)."""
    return Rules(targets={"line": chat_s, "facebook": chat_s, "email": email_s})


def from_settings(settings: Settings) -> Rules:
    """The configured rules (CALLCENTER_CHAT_SLA, else the shipped file) with the settings'
    targets as defaults; ValueError names a broken file."""
    return load(
        settings.chat_sla or DEFAULT, chat_s=settings.chat_first_reply_sla_s,
        email_s=settings.chat_email_sla_s,
    )  # fmt: skip


def load(path: Path, *, chat_s: float, email_s: float) -> Rules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    return parse(data, chat_s=chat_s, email_s=email_s, where=str(path))


def parse(data: dict[str, Any], *, chat_s: float, email_s: float, where: str) -> Rules:
    unknown = set(data) - {*CHANNELS, "hours"}
    if unknown:
        raise ValueError(
            f"{where}: unknown tables {sorted(unknown)} (channels are {', '.join(CHANNELS)}; "
            "[hours] is every channel's default)"
        )
    common = parse_hours(data.get("hours", {}), where=f"{where} [hours]", prompt=False)
    base = defaults(chat_s=chat_s, email_s=email_s)
    targets: dict[str, float] = {}
    hours: dict[str, Hours] = {}
    for channel in CHANNELS:
        here = f"{where} [{channel}]"
        section = data.get(channel, {})
        if not isinstance(section, dict):
            raise ValueError(f"{here}: must be a table")
        bad = set(section) - {"target_s", "hours"}
        if bad:
            raise ValueError(f"{here}: unknown keys {sorted(bad)} (target_s, [{channel}.hours])")
        target = section.get("target_s", base.target(channel))
        if isinstance(target, bool) or not isinstance(target, int | float) or target <= 0:
            raise ValueError(f"{here}: target_s must be a positive number of seconds")
        targets[channel] = float(target)
        own = section.get("hours")
        hours[channel] = (
            common
            if own is None
            else parse_hours(own, where=f"{where} [{channel}.hours]", prompt=False)
        )
    return Rules(targets=targets, hours=hours)
