"""The wallboard's data: live state from the engine plus today's and the last hour's kpi-v1.

Callers' numbers reach the board only masked (PDPA, callcenter.privacy): the agent grid and
the waiting callers show the last four digits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from callcenter.background import Background
from callcenter.centre import Centre
from callcenter.desk.schemas import PAUSE_REASONS
from callcenter.live.records import RecordBook, RecordKey
from callcenter.privacy import mask_number
from callcenter.publisher import Publisher
from queue_metrics import intervals, kpi
from queue_metrics.changes import Change
from queue_metrics.config import MetricsConfig
from queue_metrics.engine import MetricsEngine
from queue_metrics.records import DEFINITION, CallRecord, Outcome
from queue_metrics.running import RunningKpis

TOPIC = "wallboard"
HOUR_S = 3600.0
TARGETS = {"sl_pct": 90, "answer_rate_pct": 98, "abandon_rate_pct": 3, "aht_s": 900, "wait_s": 15}


class Wallboard(Background):
    """Builds the snapshot on demand and publishes changed queues at most every interval."""

    task_name = "wallboard-publisher"

    def __init__(
        self,
        *,
        metrics: MetricsEngine,
        book: RecordBook,
        config: MetricsConfig,
        layout: Centre,
        hub: Publisher,
        clock: Callable[[], float] = time.time,
        interval_s: float = 1.0,
    ) -> None:
        self._metrics, self._book, self._config = metrics, book, config
        self._labels = {q.name: (q.label_th, q.label_en) for q in layout.queues}
        # The IVR's order (centre.toml), the order callers hear the menu in; others after.
        self._order = [q.name for q in layout.queues]
        self._digits = {q.name: q.digit for q in layout.queues}
        self._agent_names = {a.id: a.name for a in layout.agents}
        # interface → (centre state, since): the grid's "time in state" (from the engine's
        # agent_state changes; an agent already in a state when the service started: None).
        self._since: dict[str, tuple[str, float]] = {}
        # Today's answered calls per agent (member name): key → (agent, handle_s or None).
        self._answered: dict[RecordKey, tuple[str, int | None]] = {}
        self._owed: Callable[[str], bool] = lambda _number: False
        self._hub, self._clock, self._interval = hub, clock, interval_s
        self._dirty = asyncio.Event()
        self._complete: bool | None = None
        # Today's and the last hour's kpi-v1, kept up to date call by call (see `put`).
        self._tz = intervals.zone(config.tz)
        self._day_start: float | None = None
        self._today = RunningKpis(config=config)
        self._hour = RunningKpis(config=config)
        book.watch(self)
        self._alerts: list[dict[str, Any]] = []
        # Other domains' sections of the board (e.g. "callbacks"), built at snapshot time.
        self._sections: dict[str, Callable[[float], Any]] = {}

    def changed(self, changes: list[Change]) -> None:
        """Called by the pipeline for every batch of engine changes (sync, O(1))."""
        if changes:
            now = self._clock()
            for c in changes:
                if c.kind == "agent_state" and c.queue is None:
                    self._since[c.key] = (c.data["state"], now)
            self._dirty.set()

    def mark(self) -> None:
        """Something outside the engine changed (completeness, alerts, stored records)."""
        self._dirty.set()

    @property
    def complete(self) -> bool | None:
        """Whether AMI and queue_log agree on the stored calls (None: not checked yet)."""
        return self._complete

    def set_complete(self, complete: bool | None) -> None:
        """The reconciler's verdict, shown from the next publish on."""
        self._complete = complete
        self.mark()

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return self._alerts

    def set_alerts(self, items: list[dict[str, Any]]) -> None:
        """The alerts firing now (the alert service's list), shown from the next publish on."""
        self._alerts = items
        self.mark()

    def set_owed(self, owes: Callable[[str], bool]) -> None:
        """Whether a caller's number is owed a callback (the callbacks domain knows)."""
        self._owed = owes

    def add_section(self, name: str, build: Callable[[float], Any]) -> None:
        """Another domain's part of the board (e.g. "callbacks"), built at snapshot time."""
        self._sections[name] = build

    def snapshot(self, _topic: str = TOPIC) -> dict[str, Any]:
        now = self._clock()
        live = self._metrics.snapshot(now)
        today, hour = self._kpis(now)
        names = [q for q in self._order if q in live["queues"]]
        names += sorted(q for q in live["queues"] if q not in self._labels)
        queues = {
            name: self._queue(
                name, live["queues"][name], today["queues"].get(name), hour["queues"].get(name)
            )
            for name in names
        }
        return {
            "definition": DEFINITION,
            "order": names,
            "as_of": now,
            "complete": self._complete,
            "targets": TARGETS,
            "centre": self._queue("", live["centre"], today["centre"], hour["centre"]),
            "queues": queues,
            "agents": self._agents(now),
            "pause_reasons": PAUSE_REASONS,
            "alerts": self._alerts,
            **{name: build(now) for name, build in self._sections.items()},
        }

    def put(self, key: RecordKey, record: CallRecord) -> None:
        """The book got a new version of a call (BookWatcher): move the running KPIs."""
        if self._day_start is None:
            return  # built from the whole book on the first snapshot
        if record.entered_at >= self._day_start:
            self._today.put(key, record)
            self._note_answered(key, record)
        else:
            self._today.forget(key)
            self._answered.pop(key, None)
        if record.entered_at >= self._clock() - HOUR_S:
            self._hour.put(key, record)
        else:
            self._hour.forget(key)

    def forget(self, key: RecordKey) -> None:
        self._answered.pop(key, None)
        self._today.forget(key)
        self._hour.forget(key)

    def _kpis(self, now: float) -> tuple[dict[str, Any], dict[str, Any]]:
        """Today's and the last hour's kpi-v1 (equal to `kpi.compute` over those calls)."""
        day_start = intervals.today_so_far(now, self._tz)[0]
        if day_start != self._day_start:
            self._rebuild(day_start, now)
        self._hour.remove_before(now - HOUR_S)
        return self._today.result(), self._hour.result()

    def _rebuild(self, day_start: float, now: float) -> None:
        """A new day (or the first snapshot): both windows from the book's calls."""
        self._day_start = day_start
        self._today = RunningKpis(config=self._config)
        self._hour = RunningKpis(config=self._config)
        self._answered = {}
        for key, record in self._book.items():
            if record.entered_at >= day_start:
                self._today.put(key, record)
                self._note_answered(key, record)
            if record.entered_at >= now - HOUR_S:
                self._hour.put(key, record)

    def _queue(
        self,
        name: str,
        view: Mapping[str, Any],
        today: Mapping[str, Any] | None,
        hour: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        th, en = self._labels.get(name, (name, name))
        figures = dict(today or kpi.kpis([], self._config))
        return {
            "name": name,
            "label_th": th,
            "label_en": en,
            "waiting": view["calls_waiting"],
            "talking": view["calls_talking"],
            "longest_wait_s": view["longest_wait_s"],
            "oldest_entered_at": view.get("oldest_entered_at"),
            "agents": view["agents_by_state"],
            "paused_reasons": view["paused_reasons"],
            "paused": [
                {"reason": code, "label_th": lth, "label_en": len_, "count": n}
                for code, n in view["paused_reasons"].items()
                for lth, len_ in [pause_label(code)]
            ],
            "kpi": figures,
            "kpi_note": kpi_note(figures),
            "calls": [self._waiting(name, w) for w in view.get("waiting") or ()],
            "kpi_60m": dict(hour or kpi.kpis([], self._config)),
        }

    def _note_answered(self, key: RecordKey, record: CallRecord) -> None:
        """Today's answered call of an agent; its handle time (kpi-v1.1: talk + wrap-up) once
        the talk ended."""
        if record.outcome is Outcome.answered and record.agent:
            handle = None if record.talk_s is None else record.talk_s + record.wrapup_s
            self._answered[key] = (record.agent, handle)
        else:
            self._answered.pop(key, None)

    def _waiting(self, queue: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """One waiting caller: position, wait clock, IVR choice, owed a callback; the number
        masked (PDPA: the board is on a wall)."""
        caller = row.get("caller") or ""
        th, en = self._labels.get(queue, (queue, queue))
        return {
            "position": row["position"],
            "entered_at": row["entered_at"],
            "caller": mask_number(caller),
            "ivr_digit": self._digits.get(queue, ""),
            "ivr_th": th,
            "ivr_en": en,
            "owed_callback": self._owed(caller),
        }

    def _agents(self, now: float) -> list[dict[str, Any]]:
        """Every logged-in agent: state, reason, since, current queue and (masked) caller,
        answered calls and AHT today (kpi-v1.1's handle time)."""
        handled: dict[str, list[int]] = {}
        answered: dict[str, int] = {}
        for agent, handle in self._answered.values():
            answered[agent] = answered.get(agent, 0) + 1
            if handle is not None:
                handled.setdefault(agent, []).append(handle)
        states = self._metrics.agents
        rows = []
        for iface in sorted(states.seen()):
            state, reason = states.centre_state(iface, now)
            if state == "logged_out":
                continue
            member = states.member_name(iface)
            phone = states.phones.get(iface)
            talking = phone.talking if phone is not None else None
            call = self._metrics.calls.open.get(talking) if talking else None
            since = self._since.get(iface)
            times = handled.get(member, [])
            label = pause_label(reason) if state == "paused" else ("", "")
            rows.append({
                "interface": iface, "agent": member,
                "name": self._agent_names.get(member, member),
                "state": state, "reason": reason, "reason_th": label[0], "reason_en": label[1],
                "since": since[1] if since and since[0] == state else None,
                "queues": [q for q in self._order if q in states.queues_of(iface)],
                "queue": talking[1] if talking else None,
                "caller": mask_number(call.record.caller) if call else None,
                "answered_today": answered.get(member, 0),
                "aht_today_s": round(sum(times) / len(times), 1) if times else None,
                "spy": iface == f"PJSIP/{member}",
            })  # fmt: skip
        return rows

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            # The whole board is small (6 queues): send it as one change, coalesced per interval.
            self._hub.publish(TOPIC, self.snapshot())
            await asyncio.sleep(self._interval)


def pause_label(code: str) -> tuple[str, str]:
    """A pause reason code's Thai and English names (the desk's list); unknown codes as is."""
    if code in ("", "-"):
        return ("ไม่ระบุเหตุผล", "no reason given")
    return PAUSE_REASONS.get(code, (code, code))


def kpi_note(figures: Mapping[str, Any]) -> dict[str, str] | None:
    """Why the percentages read "–" (kpi-v1.1: their base is offered − short abandons −
    withdrawn), or None when they have a base."""
    offered = figures.get("offered") or 0
    if figures.get("sl_pct") is not None:
        return None
    if not offered:
        return {"th": "ยังไม่มีสายเข้าวันนี้", "en": "no calls offered yet today"}
    short, withdrawn = figures.get("short_abandoned") or 0, figures.get("withdrawn") or 0
    return {
        "th": f"ไม่มีสายที่นับ: สายเข้า {offered} สาย เป็นสายวางเร็ว {short} สาย"
        f" ถอนออก {withdrawn} สาย (ไม่นับใน %)",
        "en": f"no calls counted: {offered} offered, {short} short abandon(s),"
        f" {withdrawn} withdrawn (not counted in %)",
    }
