"""fcr_pct (docs/kpi-v1.md, "Case KPIs"): first-contact resolution measured, not only flagged.

A case counts as resolved on the first contact when it is resolved or closed, it has
no more than one call of its own, and the same caller made no further contact about
the same service line within 7 days of opening it: no other case, and no queue call
into that service line's queue (other than the case's own calls). Cases belong to the
period in which they were opened. `fcr_agent_flagged_pct` is the agents' own flag on
the same closed cases, shown beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

REPEAT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    caller: str  # normalised phone ("" when unknown)
    service_line: str
    opened_at: datetime
    done: bool  # resolved or closed
    fcr_flag: bool
    linkedids: frozenset[str]


@dataclass(frozen=True)
class Contact:
    """A later contact of a caller about a service line: another case or a queue call."""

    caller: str
    service_line: str
    at: datetime
    case_id: int | None = None
    linkedid: str | None = None


def pct(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(100.0 * part / whole, 2)


def repeat_contact(case: CaseFacts, contacts: Iterable[Contact]) -> bool:
    """The caller came back about the same service line within the window."""
    if not case.caller:
        return False
    end = case.opened_at + REPEAT_WINDOW
    return any(
        c.caller == case.caller
        and c.service_line == case.service_line
        and case.opened_at < c.at <= end
        and c.case_id != case.case_id
        and (c.linkedid is None or c.linkedid not in case.linkedids)
        for c in contacts
    )


def first_contact_resolved(case: CaseFacts, contacts: Iterable[Contact]) -> bool:
    return case.done and len(case.linkedids) <= 1 and not repeat_contact(case, contacts)


def compute(cases: Sequence[CaseFacts], contacts: Sequence[Contact]) -> dict[str, Any]:
    """The case KPIs of docs/kpi-v1.md for these cases."""
    closed = [c for c in cases if c.done]
    # Only a contact of the same caller about the same line can be a repeat: grouped once,
    # so a year of cases is not compared with every contact of the year (n × m).
    by_caller: dict[tuple[str, str], list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_caller[contact.caller, contact.service_line].append(contact)
    fcr = sum(
        1
        for c in closed
        if first_contact_resolved(c, by_caller.get((c.caller, c.service_line), ()))
    )
    flagged = sum(1 for c in closed if c.fcr_flag)
    return {
        "cases_opened": len(cases),
        "cases_closed": len(closed),
        "cases_fcr": fcr,
        "fcr_pct": pct(fcr, len(closed)),
        "fcr_agent_flagged": flagged,
        "fcr_agent_flagged_pct": pct(flagged, len(closed)),
    }
