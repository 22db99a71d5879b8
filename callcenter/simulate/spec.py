"""Pure planning of a simulated run: distributions, arrivals, per-call draws (seeded)."""

from __future__ import annotations

import math
import random
import re
from dataclasses import asdict, dataclass
from typing import Any

_DIST = re.compile(
    r"^(?:(?P<fixed>\d+(?:\.\d+)?)"
    r"|exp:(?P<mean>\d+(?:\.\d+)?)"
    r"|uniform:(?P<lo>\d+(?:\.\d+)?)-(?P<hi>\d+(?:\.\d+)?))$"
)


class SpecError(ValueError):
    """A simulation flag that cannot be used; the message says why."""


@dataclass(frozen=True)
class Distribution:
    """Seconds: a fixed number, `exp:MEAN` or `uniform:LO-HI`."""

    kind: str
    a: float
    b: float = 0.0

    @classmethod
    def parse(cls, text: str, *, name: str) -> Distribution:
        match = _DIST.match(text.strip())
        if not match:
            raise SpecError(
                f"--{name} {text!r}: use seconds (e.g. 30), exp:MEAN (e.g. exp:40) "
                "or uniform:LO-HI (e.g. uniform:5-30)"
            )
        if match["fixed"] is not None:
            return cls("fixed", float(match["fixed"]))
        if match["mean"] is not None:
            mean = float(match["mean"])
            if mean <= 0:
                raise SpecError(f"--{name} {text!r}: the mean must be above 0")
            return cls("exp", mean)
        lo, hi = float(match["lo"]), float(match["hi"])
        if hi < lo:
            raise SpecError(f"--{name} {text!r}: LO must not exceed HI")
        return cls("uniform", lo, hi)

    def draw(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            value = self.a
        elif self.kind == "exp":
            value = rng.expovariate(1.0 / self.a)
        else:
            value = rng.uniform(self.a, self.b)
        return round(value, 2)

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"{self.a:g}"
        return f"exp:{self.a:g}" if self.kind == "exp" else f"uniform:{self.a:g}-{self.b:g}"


@dataclass(frozen=True)
class PlannedCall:
    index: int
    call_id: str
    at_s: float
    caller: str
    queue: str
    patience_s: float
    ring_s: float
    talk_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunSpec:
    calls: int
    rate: float | None
    queue: str
    agents: int
    patience: Distribution
    ring: Distribution
    talk: Distribution
    seed: int
    entry: str = "queue"
    queue_timeout_s: int | None = None


def validate(spec: RunSpec, *, known_queues: list[str]) -> None:
    """Refuse values that cannot make a run, with a message a person understands."""
    if spec.calls < 1:
        raise SpecError(f"--calls must be 1 or more (got {spec.calls})")
    if spec.rate is not None and not (0 < spec.rate <= 100):
        raise SpecError(
            f"--rate must be above 0 and at most 100 calls per second (got {spec.rate})"
        )
    if spec.agents < 0 or spec.agents > 99:
        raise SpecError(f"--agents must be between 0 and 99 (got {spec.agents})")
    if spec.queue not in known_queues:
        raise SpecError(f"unknown queue {spec.queue!r}; known queues: {', '.join(known_queues)}")
    if spec.entry not in ("queue", "ivr"):
        raise SpecError(f"--entry must be 'queue' or 'ivr' (got {spec.entry!r})")
    if spec.queue_timeout_s is not None and spec.queue_timeout_s < 1:
        raise SpecError("--queue-timeout must be 1 second or more")


def caller_number(rng: random.Random) -> str:
    """A Thai mobile-looking number (06/08/09 + 8 digits)."""
    return rng.choice(("06", "08", "09")) + f"{rng.randrange(10**8):08d}"


def plan(spec: RunSpec, *, run_id: str) -> list[PlannedCall]:
    """Arrival times and draws for every call; the same seed gives the same plan."""
    rng = random.Random(spec.seed)
    at = 0.0
    calls: list[PlannedCall] = []
    for index in range(spec.calls):
        if spec.rate is not None and index > 0:
            at += rng.expovariate(spec.rate)
        calls.append(
            PlannedCall(
                index=index,
                call_id=f"{run_id}-{index:05d}",
                at_s=round(at, 3),
                caller=caller_number(rng),
                queue=spec.queue,
                patience_s=spec.patience.draw(rng),
                ring_s=spec.ring.draw(rng),
                talk_s=max(1.0, spec.talk.draw(rng)),
            )
        )
    return calls


def patience_ticks(patience_s: float) -> int:
    """The dialplan checks for an agent four times a second."""
    return max(1, math.ceil(patience_s * 4))
