"""The demo's day, planned (pure, seeded): how many calls each queue gets and when.

A hotline day from 08:00 to 20:00 is compressed into `day_s` seconds. Arrivals follow the
day's shape (an opening rush, a late-morning and an afternoon peak where the offered load
exceeds what the agents can answer, a lunch dip, a quiet evening) scaled to the agents'
capacity, so the service level drops and alerts fire in the peaks, then recovers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from callcenter.simulate.spec import Distribution, PlannedCall, caller_number

OPEN_HOUR = 8
# Offered load per hour (08:00 … 19:00) as a share of what the logged-in agents can answer.
SHAPE = (1.25, 0.75, 0.95, 1.2, 0.8, 0.5, 0.85, 1.15, 0.85, 0.65, 0.45, 0.3)
# Share of the calls each service line gets (the rest of a queue's share is its weight).
QUEUE_WEIGHTS = {
    "online-shopping": 0.28,
    "cyber-threats": 0.18,
    "digital-platforms": 0.15,
    "general-enquiries": 0.15,
    "illegal-websites": 0.14,
    "digital-law": 0.10,
}
AVAILABLE_SHARE = 0.85  # agents on a break or in after-call work answer nothing meanwhile


@dataclass(frozen=True)
class DaySpec:
    day_s: float  # how long the 12 hours last in the demo
    agents: int
    queues: tuple[str, ...]
    patience: Distribution
    ring: Distribution
    talk: Distribution
    wrapup_s: float  # mean after-call work per call (the share of calls that have it, times it)
    load: float = 1.0  # scales the whole shape


def hour_of(spec: DaySpec, at_s: float) -> float:
    """The centre's clock (hours, e.g. 11.5 = 11:30) at `at_s` seconds into the demo day."""
    return OPEN_HOUR + len(SHAPE) * min(max(at_s, 0.0), spec.day_s) / spec.day_s


def rate(spec: DaySpec, at_s: float) -> float:
    """Calls per second offered to the whole centre at `at_s`."""
    index = min(int((at_s / spec.day_s) * len(SHAPE)), len(SHAPE) - 1)
    handle = _mean(spec.ring) + _mean(spec.talk) + spec.wrapup_s
    capacity = spec.agents * AVAILABLE_SHARE / max(handle, 1.0)
    return SHAPE[index] * spec.load * capacity


def plan_day(spec: DaySpec, *, seed: int, run_id: str) -> list[PlannedCall]:
    """Every call of one demo day across the queues (thinning of a Poisson process)."""
    rng = random.Random(seed)
    peak = max(rate(spec, (i + 0.5) * spec.day_s / len(SHAPE)) for i in range(len(SHAPE)))
    weights = [QUEUE_WEIGHTS.get(q, 0.1) for q in spec.queues]
    calls: list[PlannedCall] = []
    at = 0.0
    while peak > 0:
        at += rng.expovariate(peak)
        if at >= spec.day_s:
            break
        if rng.random() * peak > rate(spec, at):
            continue
        calls.append(
            PlannedCall(
                index=len(calls),
                call_id=f"{run_id}-{len(calls):05d}",
                at_s=round(at, 3),
                caller=caller_number(rng),
                queue=rng.choices(spec.queues, weights)[0],
                patience_s=spec.patience.draw(rng),
                ring_s=spec.ring.draw(rng),
                talk_s=max(3.0, spec.talk.draw(rng)),
            )
        )
    return calls


def _mean(d: Distribution) -> float:
    return (d.a + d.b) / 2 if d.kind == "uniform" else d.a
