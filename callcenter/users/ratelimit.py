"""In-memory sliding-window limit on failed logins, per (username, address) and per address."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable

from callcenter.config import Settings

Clock = Callable[[], float]
# Sweep stale keys once the table grows past this, so random usernames cannot fill memory.
_SWEEP_THRESHOLD = 10_000


def login_keys(*, username: str, client_ip: str | None) -> list[str]:
    """The keys one login attempt counts against: the (user, address) pair, and the address.

    Not the user name alone: then anyone could lock any user out with a few wrong passwords.
    Per pair, a guesser at one address gets `max_failures` tries per window on a user, and
    per address as many in all across user names. A guesser with many addresses gets that
    many per address; argon2's cost and the password policy (callcenter.users.passwords)
    stand against that, not a lock that would also shut out the user.
    """
    name = username.strip().lower()
    if not client_ip:
        return [f"user:{name}"]
    return [f"user:{name}@{client_ip}", f"ip:{client_ip}"]


class LoginLimiter:
    """Counts failures per key; a key is locked while it has max_failures inside the window."""

    def __init__(self, *, max_failures: int, window_s: float, clock: Clock = time.monotonic):
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> LoginLimiter:
        return cls(
            max_failures=settings.login_max_failures,
            window_s=settings.login_window_s,
            clock=clock,
        )

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Seconds until every key is unlocked, or None when none is locked."""
        now = self._clock()
        waits = [self._wait(key, now) for key in keys]
        longest = max(waits, default=0.0)
        return max(1, math.ceil(longest)) if longest > 0 else None

    def record_failure(self, keys: Iterable[str]) -> float:
        """Count one failed attempt against every key; returns its stamp (see forgive)."""
        now = self._clock()
        if len(self._failures) > _SWEEP_THRESHOLD:
            self._sweep(now)
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)
        return now

    def forgive(self, keys: Iterable[str], stamp: float) -> None:
        """Take back one failure recorded at `stamp` (an attempt counted early that succeeded)."""
        for key in keys:
            stamps = self._failures.get(key)
            if stamps is not None and stamp in stamps:
                stamps.remove(stamp)

    def reset(self, keys: Iterable[str]) -> None:
        """Forget the failures of keys (after a successful login)."""
        for key in keys:
            self._failures.pop(key, None)

    def _wait(self, key: str, now: float) -> float:
        stamps = self._prune(key, now)
        if len(stamps) < self.max_failures:
            return 0.0
        # The key unlocks when the failure that made it reach the limit leaves the window.
        return stamps[-self.max_failures] + self.window_s - now

    def _prune(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.get(key, deque())
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        if not stamps:
            self._failures.pop(key, None)
        return stamps

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            self._prune(key, now)
