"""Websocket fan-out hub: topics, bounded per-client backlogs, snapshot resync for slow clients.

The single AMI consumer calls `Hub.publish`, which never awaits: a change is
JSON-encoded once and appended to the topic's log of the last `queue_size`
changes. Each client holds a cursor into that log, so its backlog is bounded by
`queue_size` and publishing costs the same for 1 or 1,000 clients: the senders
that had caught up are woken once per event-loop iteration, after the
consumer's burst of publishes, and clients at the same cursor share one frame.
A client that falls further behind loses its backlog and gets a fresh snapshot
instead (coalescing); one that keeps falling behind, or cannot even take its
snapshot, is dropped.

Wire format: every text frame is a JSON array of messages in `seq` order, each
`{"type": "snapshot"|"change", "topic": str, "seq": int, "data": {...}}`. A
snapshot is current as of its `seq`; the next change on the topic carries
`seq + 1`, so a client can check continuity.

Snapshots are cached per (topic, seq): a topic's state must change only
together with a `publish()` (or a `resync()` after a wholesale rebuild).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

SnapshotProvider = Callable[[str], Mapping[str, Any]]
log = logging.getLogger(__name__)


def encode(message: Mapping[str, Any]) -> str:
    """Compact JSON, the one encoding every message uses."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


@dataclass
class HubStats:
    """Counters since the hub started."""

    published: int = 0  # publish() calls
    delivered: int = 0  # changes handed to client senders
    snapshots: int = 0  # snapshot frames handed to client senders
    coalesced: int = 0  # backlogs overflowed and replaced by a snapshot
    dropped_clients: int = 0  # clients disconnected for being too slow


@dataclass(eq=False)
class _Topic:
    name: str
    log: deque[str]  # encoded changes for seqs seq-len(log)+1 .. seq
    seq: int = 0
    subs: set[Subscription] = field(default_factory=set)
    waiters: list[Subscription] = field(default_factory=list)  # caught-up senders
    waking: bool = False  # a wake-up of the waiters is scheduled
    snapshot: tuple[int, str] | None = None  # (seq, encoded frame)
    frames: dict[int, str] = field(default_factory=dict)  # cursor -> changes frame, at this seq


class Subscription:
    """One client's cursor on a topic.

    Its sender drains it either with next_frame() (a task that awaits), or with take() and an
    `on_ready` callback (frames sent without a task, as long as the socket takes them).
    """

    def __init__(self, hub: Hub, topic: _Topic, since: float) -> None:
        self.hub, self.topic, self._topic = hub, topic.name, topic
        self.cursor = 0  # seq of the last message handed to the sender
        self.stale = True  # the next frame must be a snapshot (new or coalesced client)
        self.stale_since = since
        self.resyncs: tuple[float, ...] = ()  # overflow times since the client last caught up
        self.dropped = False
        self.on_drop: Callable[[], object] | None = None  # sync; e.g. cancel a stuck sender
        self.on_ready: Callable[[], object] | None = None  # sync; called when take() has more
        self._parked = False  # in the topic's waiters: caught up, to be woken by a publish
        self._waiter: asyncio.Future[None] | None = None

    @property
    def backlog(self) -> int:
        """Changes waiting for this client (at most queue_size; beyond, it gets a snapshot)."""
        return 0 if self.stale else min(self._topic.seq - self.cursor, len(self._topic.log))

    async def next_frame(self) -> str | None:
        """The next frame to send (a snapshot when stale, else queued changes); None if dropped."""
        while not self.dropped:
            frame = self.hub._next_frame(self)
            if frame is not None or self.dropped:
                return frame
            self._waiter = asyncio.get_running_loop().create_future()
            self._park()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return None

    def take(self) -> str | None:
        """The next frame if there is one; else None, and `on_ready` is called once there is."""
        if self.dropped:
            return None
        if self.cursor == self._topic.seq and not self.stale:  # caught up: the usual case
            self._park()
            return None
        frame = self.hub._next_frame(self)
        if frame is None and not self.dropped:
            self._park()
        return frame

    def _park(self) -> None:
        if self.resyncs:
            self.resyncs = ()  # caught up: slowness is counted afresh
        if not self._parked:
            self._parked = True
            self._topic.waiters.append(self)

    def wake(self) -> None:
        """Let the sender run: resolve next_frame()'s wait, or call `on_ready`."""
        self._parked = False
        if self._waiter is not None:
            if not self._waiter.done():
                self._waiter.set_result(None)
        elif self.on_ready is not None and not self.dropped:
            self.on_ready()


class Hub:
    """Topic fan-out with bounded per-client backlogs; publish never blocks its caller.

    A client may overflow its backlog and be resynced `max_resyncs` times in a
    row (without catching up in between); the next overflow within
    `resync_window_s` drops it, as does holding a pending snapshot for longer
    than that while changes keep coming. `max_batch` caps changes per frame.
    """

    def __init__(
        self,
        snapshot: SnapshotProvider,
        *,
        queue_size: int = 256,
        max_resyncs: int = 3,
        resync_window_s: float = 10.0,
        max_batch: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.snapshot, self.clock = snapshot, clock
        self.queue_size, self.max_resyncs = queue_size, max_resyncs
        self.resync_window_s = resync_window_s
        self.max_batch = max_batch or queue_size
        self._check_every = max(1, queue_size // 2)
        self.stats = HubStats()
        self._topics: dict[str, _Topic] = {}

    def seq(self, topic: str) -> int:
        """The last seq on a topic (0 before the first publish)."""
        t = self._topics.get(topic)
        return 0 if t is None else t.seq

    def subscribers(self, topic: str) -> int:
        """How many clients follow a topic."""
        t = self._topics.get(topic)
        return 0 if t is None else len(t.subs)

    def subscribe(self, topic: str) -> Subscription:
        """A new subscription; its first frame will be the topic's snapshot."""
        t = self._topic(topic)
        sub = Subscription(self, t, self.clock())
        t.subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a subscription (idempotent)."""
        t = sub._topic
        t.subs.discard(sub)
        if not t.subs:
            t.log.clear()
            t.waiters.clear()
            t.snapshot, t.frames = None, {}

    def publish(self, topic: str, data: Mapping[str, Any]) -> int:
        """Queue a change for every subscriber of `topic`; never awaits. Returns its seq."""
        t = self._topic(topic)
        t.seq += 1
        if t.frames:
            t.frames = {}  # they end at the previous seq
        self.stats.published += 1
        if not t.subs:
            t.log.clear()  # nobody to serve: keep the log contiguous with seq
            return t.seq
        t.log.append(encode({"type": "change", "topic": topic, "seq": t.seq, "data": data}))
        self._wake_soon(t)
        if t.seq % self._check_every == 0:
            self._police(t)
        return t.seq

    def resync(self, topic: str) -> int:
        """The topic's state was rebuilt wholesale: every subscriber gets a fresh snapshot."""
        t = self._topic(topic)
        t.seq += 1
        t.log.clear()
        t.frames = {}
        now = self.clock()
        for sub in t.subs:
            if not sub.stale:
                sub.stale, sub.stale_since = True, now
        self._wake_soon(t)
        return t.seq

    def _wake_soon(self, t: _Topic) -> None:
        # Once per loop iteration, not per publish: a burst of changes goes out as one frame, and
        # publish() stays O(1) however many clients are waiting.
        if t.waiters and not t.waking:
            t.waking = True
            asyncio.get_running_loop().call_soon(self._wake, t)

    def _wake(self, t: _Topic) -> None:
        t.waking = False
        waiters, t.waiters = t.waiters, []
        for sub in waiters:
            try:
                sub.wake()
            except Exception:  # one broken sender must not leave the others asleep
                log.exception("hub: waking a %s subscriber failed; dropping it", t.name)
                self._drop(sub)

    def _topic(self, name: str) -> _Topic:
        t = self._topics.get(name)
        if t is None:
            t = self._topics[name] = _Topic(name, deque(maxlen=self.queue_size))
        return t

    def _police(self, t: _Topic) -> None:
        # Senders that are not reading (stuck in a send) are only noticed here.
        now = self.clock()
        for sub in list(t.subs):
            if sub.stale:
                if now - sub.stale_since > self.resync_window_s:
                    self._drop(sub)
            elif t.seq - sub.cursor > len(t.log):
                self._overflow(sub, now)

    def _overflow(self, sub: Subscription, now: float) -> None:
        self.stats.coalesced += 1
        sub.stale, sub.stale_since = True, now
        sub.resyncs = (*(t for t in sub.resyncs if now - t <= self.resync_window_s), now)
        if len(sub.resyncs) > self.max_resyncs:
            self._drop(sub)

    def _drop(self, sub: Subscription) -> None:
        if sub.dropped:
            return
        self.stats.dropped_clients += 1
        sub.dropped = True
        self.unsubscribe(sub)
        sub.wake()
        if sub.on_drop is not None:
            sub.on_drop()

    def _next_frame(self, sub: Subscription) -> str | None:
        # Sync throughout: the snapshot and the seq it carries cannot drift apart.
        t = sub._topic
        if not sub.stale and t.seq - sub.cursor > len(t.log):
            self._overflow(sub, self.clock())
            if sub.dropped:
                return None
        if sub.stale:
            return self._snapshot_frame(sub, t)
        return self._changes_frame(sub, t)

    def _snapshot_frame(self, sub: Subscription, t: _Topic) -> str:
        if t.snapshot is None or t.snapshot[0] != t.seq:
            data = self.snapshot(t.name)
            message = {"type": "snapshot", "topic": t.name, "seq": t.seq, "data": data}
            t.snapshot = (t.seq, f"[{encode(message)}]")
        sub.cursor, sub.stale = t.seq, False
        self.stats.snapshots += 1
        return t.snapshot[1]

    def _changes_frame(self, sub: Subscription, t: _Topic) -> str | None:
        lag = t.seq - sub.cursor
        if lag == 0:
            return None
        count = min(lag, self.max_batch)
        # Clients that kept up stand at the same cursor: they share one frame per publish.
        frame = t.frames.get(sub.cursor)
        if frame is None:
            frame = t.frames[sub.cursor] = self._join(t, lag, count)
        sub.cursor += count
        self.stats.delivered += count
        return frame

    @staticmethod
    def _join(t: _Topic, lag: int, count: int) -> str:
        if count == lag:  # the usual case: the newest changes, read from the log's end
            batch = list(islice(reversed(t.log), count))
            batch.reverse()
        else:
            start = len(t.log) - lag
            batch = list(islice(t.log, start, start + count))
        return f"[{','.join(batch)}]"
