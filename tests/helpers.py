"""Shared test helpers: poll with a deadline instead of sleeping."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def poll(
    probe: Callable[[], Awaitable[T]] | Callable[[], T],
    *,
    timeout_s: float,
    interval_s: float = 0.2,
    what: str = "condition",
) -> T:
    """Call `probe` until it returns something truthy; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout_s
    last: T | None = None
    while True:
        value = probe()
        last = await value if asyncio.iscoroutine(value) else value  # type: ignore[assignment]
        if last:
            return last  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s}s (last: {last!r})")
        await asyncio.sleep(interval_s)


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    """True when `wanted` occurs in `seen` in order (other items may sit between)."""
    it = iter(seen)
    return all(any(x == w for x in it) for w in wanted)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
