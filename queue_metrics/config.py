"""Settings of the kpi-v1.1 figures: thresholds, wrap-up per queue, reporting time zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """What docs/kpi-v1.md leaves to configuration; the defaults are the contract's."""

    sl_threshold_s: int = 15
    short_abandon_s: int = 5
    # Queue → queues.conf `wrapuptime` (centre.toml); a member's own Wrapuptime wins when > 0.
    wrapup_s: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    queues: tuple[str, ...] = ()  # shown on the wallboard even before any event names them
    tz: str = "Asia/Bangkok"

    def wrapup_for(self, queue: str) -> int:
        """The queue's configured after-call work, 0 when not configured."""
        return int(self.wrapup_s.get(queue, 0))
