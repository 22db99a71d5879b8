"""The alert loop: evaluate the rules on the wallboard every few seconds, show, mail incidents."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.alerts import rules as alert_rules
from callcenter.alerts.incidents import Incident, Incidents
from callcenter.alerts.mailer import Mailer, parse_recipients
from callcenter.alerts.models import AlertAction, AlertIncident, AlertThreshold
from callcenter.background import Background
from callcenter.config import Settings
from callcenter.errors import NotFound
from recordings import completeness

log = logging.getLogger(__name__)
HISTORY = 200  # incidents the board's history keeps

# A check outside the board's snapshot (e.g. the recordings vault): now → the alerts firing.
ExtraCheck = Callable[[float], Awaitable[list[alert_rules.Alert]]]


class AlertNotFiring(NotFound):
    error_id = "alert_not_firing"


class WallboardLike(Protocol):
    def snapshot(self) -> dict[str, Any]: ...

    def set_alerts(self, items: list[dict[str, Any]]) -> None: ...


class Sender(Protocol):
    recipients: tuple[str, ...]

    def message(self, incident: Incident) -> EmailMessage: ...

    async def deliver(self, messages: Sequence[EmailMessage]) -> list[bool]: ...


class AlertService(Background):
    """Shows firing alerts on the wallboard and sends one e-mail per incident (with cool-down)."""

    task_name = "alerts"

    def __init__(
        self,
        *,
        wallboard: WallboardLike,
        rules: Sequence[alert_rules.Rule],
        mailer: Sender | None,
        cooldown_s: float = 900.0,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        extra: Sequence[ExtraCheck] = (),
        sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._wallboard, self._rules, self._mailer = wallboard, list(rules), mailer
        self._sessions = sessions
        # (rule kind, scope) → a supervisor's threshold there (alert_thresholds).
        self.thresholds: dict[tuple[str, str], float] = {}
        # The incidents since the service started, newest last: the board's alert history.
        self.history: deque[dict[str, Any]] = deque(maxlen=HISTORY)
        self._unstored: list[tuple[str, dict[str, Any]]] = []  # history steps not yet stored
        self._extra = list(extra)
        self._interval, self._clock = interval_s, clock
        self.incidents = Incidents(cooldown_s=cooldown_s)
        self._shown: list[dict[str, Any]] = []
        self._firing: list[Incident] = []
        # A supervisor's acknowledgement holds for the incident it was given on (its start);
        # a snooze hides the alert id until its end, whatever incident fires meanwhile.
        self._acks: dict[str, tuple[float, str, float]] = {}  # id → (incident since, by, at)
        self._snoozes: dict[str, tuple[float, str]] = {}  # id → (until, by)
        self.rounds = 0
        self.sent = 0

    def rules(self) -> list[alert_rules.Rule]:
        return list(self._rules)

    def set_threshold(self, rule: str, scope: str, threshold: float | None) -> None:
        """A supervisor's threshold for one rule in one scope (None: back to the configured
        one), used from the next round on."""
        if threshold is None:
            self.thresholds.pop((rule, scope), None)
        else:
            self.thresholds[rule, scope] = threshold

    async def load_thresholds(self) -> None:
        """The supervisors' thresholds kept in the database (at start)."""
        if self._sessions is None:
            return
        async with self._sessions() as session:
            rows = (await session.scalars(select(AlertThreshold))).all()
        self.thresholds = {(r.rule, r.scope): r.threshold for r in rows}

    def _note_history(self, before: dict[str, Incident], now: float) -> None:
        for key in before.keys() - self.incidents.open.keys():
            for item in reversed(self.history):
                if item["id"] == key and item["ended"] is None:
                    item["ended"] = now
                    self._unstored.append(("ended", item))
                    break
        for key, incident in self.incidents.open.items():
            if key not in before:
                a = incident.alert
                item = {
                    "id": a.id, "rule": a.rule, "scope": a.scope, "severity": a.severity,
                    "text_th": a.text_th, "text_en": a.text_en, "since": incident.since,
                    "ended": None, "acknowledged_by": None,
                }  # fmt: skip
                self.history.append(item)
                self._unstored.append(("started", item))

    async def _store_history(self) -> None:
        """Write the incidents started and ended since the last round (alert_incidents); kept
        for the next round while the database is down."""
        if self._sessions is None or not self._unstored:
            self._unstored.clear()
            return
        steps, self._unstored = self._unstored, []
        try:
            async with self._sessions() as session, session.begin():
                for step, item in steps:
                    started = datetime.fromtimestamp(item["since"], tz=UTC)
                    if step == "started":
                        await session.execute(
                            insert(AlertIncident)
                            .values(
                                alert_id=item["id"][:160], rule=item["rule"][:40],
                                scope=item["scope"][:100], severity=item["severity"][:16],
                                text_th=item["text_th"][:400], text_en=item["text_en"][:400],
                                started_at=started,
                            )
                            .on_conflict_do_nothing()
                        )  # fmt: skip
                    else:
                        await session.execute(
                            update(AlertIncident)
                            .where(
                                AlertIncident.alert_id == item["id"][:160],
                                AlertIncident.started_at == started,
                            )
                            .values(ended_at=datetime.fromtimestamp(item["ended"], tz=UTC))
                        )
        except Exception:
            self._unstored = steps + self._unstored
            log.warning("alert history not stored (%d steps kept)", len(steps), exc_info=True)

    async def close_stale_incidents(self) -> int:
        """Incidents a stopped service left firing end now (at start): whether they still
        fire is found again from the first round."""
        if self._sessions is None:
            return 0
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(AlertIncident)
                .where(AlertIncident.ended_at.is_(None))
                .values(ended_at=datetime.fromtimestamp(self._clock(), tz=UTC))
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def stored_history(self, *, limit: int = HISTORY) -> list[dict[str, Any]]:
        """The kept incidents, newest first, each with who acknowledged it (alert_actions);
        the ones since the service started when there is no database."""
        if self._sessions is None:
            return list(reversed(self.history))
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(AlertIncident)
                    .order_by(AlertIncident.started_at.desc(), AlertIncident.id.desc())
                    .limit(limit)
                )
            ).all()
            ids = {r.alert_id for r in rows}
            oldest = min((r.started_at for r in rows), default=None)
            acks = (
                (
                    await session.execute(
                        select(AlertAction.alert_id, AlertAction.at, AlertAction.username)
                        .where(
                            AlertAction.action == "acknowledge",
                            AlertAction.alert_id.in_(ids),
                            AlertAction.at >= oldest,
                        )
                        .order_by(AlertAction.at)
                    )
                ).all()
                if oldest is not None
                else []
            )
        out = []
        for r in rows:
            end = r.ended_at
            by = [u for a, at, u in acks if a == r.alert_id and at >= r.started_at
                  and (end is None or at <= end)]  # fmt: skip
            out.append({
                "id": r.alert_id, "rule": r.rule, "scope": r.scope, "severity": r.severity,
                "text_th": r.text_th, "text_en": r.text_en,
                "since": r.started_at.timestamp(),
                "ended": end.timestamp() if end is not None else None,
                "acknowledged_by": by[0] if by else None,
            })  # fmt: skip
        return out

    def add_check(self, check: ExtraCheck) -> None:
        """Another domain's check, evaluated from the next round on with the board's rules."""
        self._extra.append(check)

    def firing(self, alert_id: str) -> Incident | None:
        """The open incident of an alert id, if it fires now."""
        return self.incidents.open.get(alert_id)

    def acknowledge(self, alert_id: str, *, by: str, now: float) -> Incident:
        """A supervisor has seen the alert: shown as acknowledged until its incident ends."""
        incident = self._open(alert_id)
        self._acks[alert_id] = (incident.since, by, now)
        for item in reversed(self.history):
            if item["id"] == alert_id and item["since"] == incident.since:
                item["acknowledged_by"] = by
                break
        self._show()
        return incident

    def snooze(self, alert_id: str, *, by: str, until: float) -> Incident:
        """Hide the alert from the board until `until` (it comes back if it still fires)."""
        incident = self._open(alert_id)
        self._snoozes[alert_id] = (until, by)
        self._show()
        return incident

    def _open(self, alert_id: str) -> Incident:
        incident = self.incidents.open.get(alert_id)
        if incident is None:
            raise AlertNotFiring(
                f"The alert {alert_id!r} is not firing now (it may have just cleared).",
                hint_th="การแจ้งเตือนนี้ไม่ได้เกิดขึ้นแล้ว",
                alert_id=alert_id,
            )
        return incident

    def _item(self, incident: Incident, now: float) -> dict[str, Any]:
        item: dict[str, Any] = incident.as_item()
        a = incident.alert
        item["title_th"], item["title_en"] = alert_rules.TITLES.get(a.rule, (a.rule, a.rule))
        item["label_th"], item["label_en"] = a.label_th, a.label_en
        ack = self._acks.get(a.id)
        ok = ack is not None and ack[0] == incident.since
        item["acknowledged_by"] = ack[1] if ok and ack else None
        item["acknowledged_at"] = ack[2] if ok and ack else None
        snooze = self._snoozes.get(a.id)
        live = snooze is not None and snooze[0] > now
        item["snoozed_until"] = snooze[0] if live and snooze else None
        item["snoozed_by"] = snooze[1] if live and snooze else None
        return item

    def _show(self) -> None:
        now = self._clock()
        for key in [k for k, (until, _) in self._snoozes.items() if until <= now]:
            del self._snoozes[key]
        for key in [k for k in self._acks if k not in self.incidents.open]:
            del self._acks[key]
        items = [self._item(incident, now) for incident in self._firing]
        if items != self._shown:
            self._shown = items
            self._wallboard.set_alerts(items)

    async def evaluate_once(self) -> list[Incident]:
        """One round: evaluate, update the wallboard when the alerts changed, mail what is due."""
        now = self._clock()
        alerts = alert_rules.evaluate(self._wallboard.snapshot(), self._rules, self.thresholds)
        for check in self._extra:
            try:
                alerts += await check(now)
            except Exception:  # the database is down: /healthz says so; the board's rules go on
                log.warning("alert check %r failed", check, exc_info=True)
        before = dict(self.incidents.open)
        firing = self.incidents.update(alerts, now)
        self._note_history(before, now)
        await self._store_history()
        self._firing = firing
        self._show()
        await self._mail(now)
        self.rounds += 1
        return firing

    async def _mail(self, now: float) -> None:
        if self._mailer is None or not self._mailer.recipients:
            return
        due = self.incidents.due(now)
        if not due:
            return
        try:
            accepted = await self._mailer.deliver([self._mailer.message(i) for i in due])
        except OSError as exc:  # smtplib's errors are OSErrors: retried next round
            log.warning("alert mail not sent (%d due, retried next round): %s", len(due), exc)
            return
        for incident, ok in zip(due, accepted, strict=True):
            if ok:
                self.incidents.mailed(incident, now)
                self.sent += 1

    async def _run(self) -> None:
        try:
            await self.load_thresholds()
            await self.close_stale_incidents()
        except Exception:  # the database is down: the configured thresholds meanwhile
            log.warning("alert thresholds not loaded", exc_info=True)
        while True:
            try:
                await self.evaluate_once()
            except Exception:  # a bad round must not end the loop
                log.exception("alert evaluation failed")
            await asyncio.sleep(self._interval)


def rules_from(settings: Settings) -> list[alert_rules.Rule]:
    """The default rules with the thresholds of the settings."""
    return alert_rules.default_rules(
        sl_min_pct=settings.alert_sl_min_pct,
        abandon_max_pct=settings.alert_abandon_max_pct,
        wait_max_s=settings.alert_wait_max_s,
        min_offered=settings.alert_min_offered,
        min_available=settings.alert_min_available,
    )


class IncompleteRecordings:
    """Fires while the vault flagged recordings in the last 60 minutes (asks the catalogue at
    most every `every_s`: the answer changes only as recordings arrive)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, every_s: float = 30.0):
        self._sessions, self._every = sessions, every_s
        self._asked_at, self._count = float("-inf"), 0

    async def __call__(self, now: float) -> list[alert_rules.Alert]:
        if now - self._asked_at >= self._every:
            since = datetime.fromtimestamp(now, UTC) - timedelta(
                seconds=completeness.ALERT_WINDOW_S
            )
            async with self._sessions() as session:
                self._count = await completeness.incomplete_count(session=session, since=since)
            self._asked_at = now
        alert = alert_rules.recordings_incomplete(self._count)
        return [alert] if alert else []


def build(
    *,
    settings: Settings,
    wallboard: WallboardLike,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    extra: Sequence[ExtraCheck] = (),
) -> AlertService:
    """The service as configured; no recipients → alerts shown, no mail. With `sessions`,
    also the recordings vault's incomplete recordings; `extra`: other domains' checks."""
    recipients = parse_recipients(settings.alert_recipients)
    mailer = Mailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        recipients=recipients,
        timeout_s=settings.smtp_timeout_s,
    )
    return AlertService(
        sessions=sessions,
        wallboard=wallboard,
        rules=rules_from(settings),
        mailer=mailer if recipients else None,
        cooldown_s=settings.alert_cooldown_s,
        interval_s=settings.alert_interval_s,
        extra=[*([IncompleteRecordings(sessions)] if sessions is not None else []), *extra],
    )
