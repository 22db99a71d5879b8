"""The status workflow: new → in_progress → referred → waiting_for_caller → resolved → closed."""

from __future__ import annotations

from callcenter.cases.errors import InvalidTransition, ResolutionRequired
from callcenter.cases.models import Status

S = Status
# Work may go back and forth between the open states; a resolved case can be reopened
# (the caller calls back about it) or closed; a closed case is final (a new contact
# about the same question opens a new case, and fcr_pct counts that).
ALLOWED: dict[Status, frozenset[Status]] = {
    S.new: frozenset({S.in_progress, S.referred, S.waiting_for_caller, S.resolved}),
    S.in_progress: frozenset({S.referred, S.waiting_for_caller, S.resolved}),
    S.referred: frozenset({S.in_progress, S.waiting_for_caller, S.resolved}),
    S.waiting_for_caller: frozenset({S.in_progress, S.referred, S.resolved}),
    S.resolved: frozenset({S.in_progress, S.closed}),
    S.closed: frozenset(),
}
DONE = frozenset({S.resolved, S.closed})  # "closed" in the sense of fcr_pct


def allowed_next(current: Status) -> list[Status]:
    """The states a case in `current` may move to, in workflow order."""
    return [s for s in Status if s in ALLOWED[current]]


def check(*, current: Status, target: Status, resolution: str) -> None:
    """InvalidTransition for a move the workflow does not have; a resolution is required."""
    if target == current:
        return
    if target not in ALLOWED[current]:
        raise InvalidTransition(
            f"a case cannot go from {current.value} to {target.value}",
            current=current.value,
            target=target.value,
            allowed=[s.value for s in allowed_next(current)],
        )
    if target in DONE and not resolution.strip():
        raise ResolutionRequired(
            "write the resolution before resolving the case", target=target.value
        )
