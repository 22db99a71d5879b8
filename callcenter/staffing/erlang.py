"""Erlang C (M/M/N queue, callers wait forever), computed in log space: no factorial overflow.

A = λ·AHT is the offered traffic in erlangs. With N > A agents:

- P(wait) = C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))
- SL(T)   = 1 − C(N, A) · exp(−(N−A)·T/AHT)   (share answered within T seconds)
- ASA     = C(N, A) · AHT / (N−A)

Every term is summed as exp(log term − max log term), so N of several thousand agents and
traffic of hundreds of erlangs stay finite (A^N/N! alone overflows a float from N ≈ 170).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 100_000


@dataclass(frozen=True, slots=True)
class Staffing:
    """What N agents give for one interval's traffic."""

    agents: int
    traffic_erlangs: float
    p_wait: float
    service_level: float  # share answered within the target time
    asa_s: float
    occupancy: float


def traffic(calls: float, interval_s: float, aht_s: float) -> float:
    """Offered traffic in erlangs: calls per second times the average handle time."""
    if interval_s <= 0 or aht_s < 0 or calls < 0:
        raise ValueError("interval must be positive, calls and AHT not negative")
    return calls / interval_s * aht_s


def p_wait(agents: int, erlangs: float) -> float:
    """Erlang C: the probability that a caller waits (1 when agents ≤ traffic: the queue grows)."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    log_a = math.log(erlangs)
    logs = [k * log_a - math.lgamma(k + 1) for k in range(agents)]
    log_top = agents * log_a - math.lgamma(agents + 1) + math.log(agents / (agents - erlangs))
    peak = max(max(logs), log_top)
    below = sum(math.exp(x - peak) for x in logs)
    top = math.exp(log_top - peak)
    return top / (below + top)


def evaluate(agents: int, erlangs: float, *, aht_s: float, target_s: float) -> Staffing:
    """P(wait), service level within `target_s`, ASA and occupancy of `agents` at `erlangs`."""
    c = p_wait(agents, erlangs)
    if agents <= erlangs:
        return Staffing(agents, erlangs, 1.0, 0.0, math.inf, 1.0 if agents else 0.0)
    spare = agents - erlangs
    sl = 1.0 - c * math.exp(-spare * target_s / aht_s) if aht_s > 0 else 1.0
    asa = c * aht_s / spare
    return Staffing(agents, erlangs, c, sl, asa, erlangs / agents)


def agents_needed(
    erlangs: float, *, aht_s: float, target_s: float, service_level: float
) -> Staffing:
    """The fewest agents whose service level within `target_s` reaches `service_level`."""
    if not 0 < service_level < 1:
        raise ValueError("service_level is a share between 0 and 1 (exclusive)")
    if erlangs <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    n = max(1, math.floor(erlangs) + 1)
    while n <= MAX_AGENTS:
        result = evaluate(n, erlangs, aht_s=aht_s, target_s=target_s)
        if result.service_level >= service_level:
            return result
        n += 1
    raise ValueError(f"more than {MAX_AGENTS} agents needed")


def with_shrinkage(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` are on the phones when `shrinkage` of the paid time
    (breaks, training, absence) is lost: ⌈agents / (1 − shrinkage)⌉."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage is a share in [0, 1)")
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)
