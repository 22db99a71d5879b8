"""Alert rules: a pure evaluation of one wallboard snapshot (no I/O, no clock reads).

A rule looks at every scope it covers (each queue, and/or the centre) and fires one
`Alert` per scope that breaks it. An alert's `id` is `rule:scope`, stable across
evaluations, so the service can follow an incident from its first firing to its end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

CENTRE = "centre"
CENTRE_LABELS = ("ทั้งศูนย์", "Centre")
SL_LOW, ABANDON_HIGH, WAIT_LONG, AGENTS_SHORT = (
    "sl_low", "abandon_high", "wait_long", "agents_short",
)  # fmt: skip
RECORDINGS_INCOMPLETE = "recordings_incomplete"
# Fired by callcenter.social.spikes:
SOCIAL_VOLUME_SPIKE, SOCIAL_NEGATIVE_JUMP = "social_volume_spike", "social_negative_jump"
SOCIAL_WATCHED, SOCIAL_INFLUENCER = "social_watched_keyword", "social_influencer"
SEVERITIES = ("warning", "critical")
TITLES = {
    SL_LOW: ("SL 60 นาที ต่ำกว่าเป้า", "SL (60 min) below target"),
    ABANDON_HIGH: ("อัตราสายหลุด 60 นาที สูงกว่าเป้า", "Abandon rate (60 min) above target"),
    WAIT_LONG: ("ผู้โทรรอสายนานเกินไป", "A caller waits too long"),
    AGENTS_SHORT: ("เจ้าหน้าที่ว่างไม่พอ", "Too few agents available"),
    RECORDINGS_INCOMPLETE: ("ไฟล์บันทึกเสียงไม่ครบ", "Recordings shorter than their calls"),
    SOCIAL_VOLUME_SPIKE: ("ปริมาณการกล่าวถึงพุ่งสูง", "Social mentions spike"),
    SOCIAL_NEGATIVE_JUMP: ("ข้อความเชิงลบเพิ่มขึ้นมาก", "Negative share jumped"),
    SOCIAL_WATCHED: ("คำค้นที่เฝ้าระวังถูกกล่าวถึง", "A watched keyword was mentioned"),
    SOCIAL_INFLUENCER: ("ผู้มีอิทธิพลกล่าวถึงศูนย์", "An influencer mentioned the centre"),
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One configured rule: its kind, threshold, severity, the scopes it covers."""

    kind: str
    threshold: float
    severity: str = "warning"
    min_offered: int = 0  # kpi rules: quiet until this many calls were offered in the window
    queues: bool = True
    centre: bool = True


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule broken in one scope, with the figure that broke it."""

    id: str
    rule: str
    scope: str  # a queue name, or "centre"
    severity: str
    text_th: str
    text_en: str
    value: float
    threshold: float
    field: str  # where the figure sits in the snapshot
    kpi: str | None  # its docs/kpi-v1.md field name, when it is one of those figures
    label_th: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Scope:
    """One queue (or the centre) of the snapshot, with its labels."""

    name: str
    label_th: str
    label_en: str
    view: Mapping[str, Any]


def default_rules(
    *,
    sl_min_pct: float = 90.0,
    abandon_max_pct: float = 3.0,
    wait_max_s: float = 15.0,
    min_offered: int = 5,
    min_available: int = 1,
) -> list[Rule]:
    """The contract's targets as rules (docs/kpi-v1.md): SL, abandons, waits, staffing."""
    return [
        Rule(SL_LOW, sl_min_pct, min_offered=min_offered),
        Rule(ABANDON_HIGH, abandon_max_pct, min_offered=min_offered),
        Rule(WAIT_LONG, wait_max_s, centre=False),
        Rule(AGENTS_SHORT, min_available, severity="critical", centre=False),
    ]


def scopes(snapshot: Mapping[str, Any]) -> list[Scope]:
    """The queues of a `Wallboard.snapshot()` in the board's (the IVR's) order, then the centre."""
    found = [
        Scope(name, view.get("label_th") or name, view.get("label_en") or name, view)
        for name, view in snapshot.get("queues", {}).items()
    ]
    centre = snapshot.get("centre")
    if centre:
        found.append(Scope(CENTRE, *CENTRE_LABELS, centre))
    return found


def evaluate(
    snapshot: Mapping[str, Any],
    rules: Iterable[Rule],
    thresholds: Mapping[tuple[str, str], float] | None = None,
) -> list[Alert]:
    """Every alert firing on this snapshot, in rule order then scope order; `thresholds`
    (rule kind, scope) → a supervisor's threshold for that queue (or the centre)."""
    own = thresholds or {}
    all_scopes = scopes(snapshot)
    fired = []
    for rule in rules:
        check = CHECKS.get(rule.kind)
        if check is None:
            raise ValueError(f"unknown alert rule {rule.kind!r}; known: {', '.join(CHECKS)}")
        for scope in all_scopes:
            scoped = rule
            if (rule.kind, scope.name) in own:
                scoped = replace(rule, threshold=own[rule.kind, scope.name])
            if (rule.centre if scope.name == CENTRE else rule.queues) and (
                alert := check(scoped, scope)
            ):
                fired.append(alert)
    return fired


def _alert(
    rule: Rule, scope: Scope, value: float, texts: Sequence[str], field: str, kpi: str | None
) -> Alert:
    return Alert(
        id=f"{rule.kind}:{scope.name}", rule=rule.kind, scope=scope.name,
        severity=rule.severity, text_th=texts[0], text_en=texts[1], value=value,
        threshold=rule.threshold, field=field, kpi=kpi,
        label_th=scope.label_th, label_en=scope.label_en,
    )  # fmt: skip


def _kpi60(rule: Rule, scope: Scope, name: str) -> float | None:
    """A kpi-v1.1 percentage of the last 60 minutes, or None while too few calls were offered."""
    figures = scope.view.get("kpi_60m") or {}
    value = figures.get(name)
    if value is None or (figures.get("offered") or 0) < rule.min_offered:
        return None
    return float(value)


def _sl_low(rule: Rule, scope: Scope) -> Alert | None:
    sl = _kpi60(rule, scope, "sl_pct")
    if sl is None or sl >= rule.threshold:
        return None
    t = f"{rule.threshold:g}"
    texts = (
        f"SL 60 นาที ของ {scope.label_th} {sl:.1f}% ต่ำกว่า {t}%",
        f"{scope.label_en} SL (60 min) {sl:.1f}% is below {t}%",
    )
    return _alert(rule, scope, sl, texts, "kpi_60m.sl_pct", "sl_pct")


def _abandon_high(rule: Rule, scope: Scope) -> Alert | None:
    rate = _kpi60(rule, scope, "abandon_rate_pct")
    if rate is None or rate <= rule.threshold:
        return None
    t = f"{rule.threshold:g}"
    texts = (
        f"อัตราสายหลุด 60 นาที ของ {scope.label_th} {rate:.1f}% สูงกว่า {t}%",
        f"{scope.label_en} abandon rate (60 min) {rate:.1f}% is above {t}%",
    )
    return _alert(rule, scope, rate, texts, "kpi_60m.abandon_rate_pct", "abandon_rate_pct")


def _wait_long(rule: Rule, scope: Scope) -> Alert | None:
    longest = scope.view.get("longest_wait_s")
    if longest is None:
        return None
    wait = math.floor(longest)  # whole seconds, as Asterisk's SL test (docs/kpi-v1.md)
    if wait <= rule.threshold:
        return None
    t = f"{rule.threshold:g}"
    texts = (
        f"ผู้โทรใน {scope.label_th} รอสายแล้ว {wait} วินาที เกิน {t} วินาที",
        f"{scope.label_en}: a caller has waited {wait} s, over {t} s",
    )
    return _alert(rule, scope, float(wait), texts, "longest_wait_s", None)


def _agents_short(rule: Rule, scope: Scope) -> Alert | None:
    waiting = scope.view.get("waiting") or 0
    available = (scope.view.get("agents") or {}).get("available", 0)
    if not waiting or available >= rule.threshold:
        return None
    callers = f"{waiting} caller{'s' if waiting != 1 else ''} waiting"
    if not available:
        texts = (
            f"{scope.label_th}: มีผู้โทรรอ {waiting} สาย แต่ไม่มีเจ้าหน้าที่ว่างเลย",
            f"{scope.label_en}: {callers} and no agent available",
        )
    else:
        need = math.ceil(rule.threshold)
        agents = f"{available} agent{'s' if available != 1 else ''}"
        texts = (
            f"{scope.label_th}: มีผู้โทรรอ {waiting} สาย เจ้าหน้าที่ว่างเพียง {available} คน"
            f" (ควรมีอย่างน้อย {need} คน)",
            f"{scope.label_en}: {callers}, only {agents} available (at least {need} needed)",
        )
    return _alert(rule, scope, float(available), texts, "agents.available", None)


def recordings_incomplete(count: int, *, threshold: float = 1) -> Alert | None:
    """The vault stored `count` recordings in the last 60 minutes that are much shorter than
    their calls' talk (recordings/completeness.py): media is being lost somewhere."""
    if count < threshold:
        return None
    rule = Rule(RECORDINGS_INCOMPLETE, threshold, severity="critical", queues=False)
    scope = Scope(CENTRE, *CENTRE_LABELS, {})
    texts = (
        f"ไฟล์บันทึกเสียง {count} ไฟล์ใน 60 นาที สั้นกว่าเวลาสนทนาของสาย (เสียงหาย)",
        f"{count} recording(s) in the last 60 min are much shorter than their calls' talk"
        " (media lost)",
    )
    return _alert(rule, scope, float(count), texts, "recordings.incomplete_60m", None)


# What a supervisor may set per queue: kind → (Thai, English, unit, lowest, highest).
EDITABLE: dict[str, tuple[str, str, str, float, float]] = {
    SL_LOW: ("SL 60 นาที ต่ำสุด", "SL (60 min) at least", "%", 1, 100),
    ABANDON_HIGH: ("สายหลุด 60 นาที สูงสุด", "Abandon rate (60 min) at most", "%", 0, 100),
    WAIT_LONG: ("รอสายนานสุด", "Longest wait at most", "s", 1, 3600),
    AGENTS_SHORT: ("เจ้าหน้าที่ว่างอย่างน้อย", "Agents available at least", "", 1, 100),
}

CHECKS: dict[str, Callable[[Rule, Scope], Alert | None]] = {
    SL_LOW: _sl_low,
    ABANDON_HIGH: _abandon_high,
    WAIT_LONG: _wait_long,
    AGENTS_SHORT: _agents_short,
}
