"""Incidents: an alert id firing without a break, and which of them still owe an e-mail.

Pure (time is passed in). One e-mail per incident; after a mail for an id, no other
mail for that id until `cooldown_s` has passed, even if it clears and fires again
(flapping). An incident that starts inside the cool-down waits: it is mailed once
the cool-down is over, if it is still firing then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from callcenter.alerts.rules import Alert


@dataclass(slots=True)
class Incident:
    """One alert id firing continuously since `since`; `alert` holds the latest figures."""

    alert: Alert
    since: float
    mailed: bool = False

    def as_item(self) -> dict[str, object]:
        """The wallboard's alert item (`{id, severity, text_th, text_en}` and the details)."""
        a = self.alert
        return {
            "id": a.id, "severity": a.severity, "text_th": a.text_th, "text_en": a.text_en,
            "rule": a.rule, "scope": a.scope, "since": self.since, "value": a.value,
            "threshold": a.threshold, "field": a.field, "kpi": a.kpi,
        }  # fmt: skip


class Incidents:
    """Follows firing alert ids across evaluations and keeps the per-id cool-down."""

    def __init__(self, *, cooldown_s: float) -> None:
        self._cooldown = cooldown_s
        self.open: dict[str, Incident] = {}
        self._last_mail: dict[str, float] = {}

    def update(self, alerts: Iterable[Alert], now: float) -> list[Incident]:
        """Open new incidents, close those no longer firing; the firing ones, in alert order."""
        current = {a.id: a for a in alerts}
        for gone in self.open.keys() - current.keys():
            del self.open[gone]
        for key, alert in current.items():
            incident = self.open.get(key)
            if incident is None:
                self.open[key] = Incident(alert, since=now)
            else:
                incident.alert = alert
        return [self.open[key] for key in current]

    def due(self, now: float) -> list[Incident]:
        """Open incidents not mailed yet whose id is out of its cool-down."""
        return [i for i in self.open.values() if not i.mailed and self._cooled(i.alert.id, now)]

    def mailed(self, incident: Incident, now: float) -> None:
        """The incident's e-mail went out at `now`."""
        incident.mailed = True
        self._last_mail[incident.alert.id] = now

    def _cooled(self, key: str, now: float) -> bool:
        last = self._last_mail.get(key)
        return last is None or now - last >= self._cooldown
