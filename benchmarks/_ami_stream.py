"""A long AMI stream made of the recorded Asterisk 22 transcripts, and a tiny AMI server for it.

Each transcript in tests/fixtures/ami (its QueueStatus reply left out) is one call
scenario, noise included, exactly as Asterisk sent it with the project's manager.conf
(read = system,call,agent,user: no dialplan class, hence no Newexten/VarSet). The
stream repeats the scenarios on LANES parallel lanes; every copy gets fresh Uniqueids,
Linkedids, channel sequence numbers and bridge ids, timestamps shifted to its place
on its lane, and every lane its own agents (interfaces, member names, extensions), so
each event has its own dedup key and the engine sees distinct calls and agents. The
lanes are merged by timestamp and serialized to AMI wire format once, in chunks that
end on event boundaries (an action's reply can be slipped in between two chunks).

Run alone it prints the stream's composition:

    .venv/bin/python benchmarks/_ami_stream.py [--events 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from callcenter.ami.events import is_queue_event

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ami"
BANNER = b"Asterisk Call Manager/11.0.0\r\n"
CHUNK_BYTES = 64 * 1024
GAP_S = 2.0  # between two copies on one lane
STRIDE = 16  # ids of one kind per copy (the transcripts need at most 6)

KPI_ID = re.compile(r"kpi-[0-9a-f]{10}")
NUM_ID = re.compile(r"\d{10}\.\d+")
CHAN_SEQ = re.compile(r"(?<=-)[0-9a-f]{8}(?=;[12])")
BRIDGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
AGENT_EXT = re.compile(r"(?<![\d.])79(\d\d)(?!\d)")
MEMBER = re.compile(r"kpi-agent-(\d\d)")
EPOCH_KEYS = frozenset({"LoginTime", "LastCall", "LastPause"})


# --- templates: one per transcript ------------------------------------------------------------


@dataclass
class Template:
    """One call scenario as wire-format lines with `str.format` placeholders for its ids."""

    name: str
    lines: list[tuple[float, str]]  # (seconds after the scenario's first event, format)
    epochs: list[int] = field(default_factory=list)  # whole seconds after the first event
    ids: Counter[str] = field(default_factory=Counter)  # placeholders per kind: U, N, C, B
    stored: int = 0  # events that pass is_queue_event
    joins: int = 0  # QueueCallerJoin = queue calls
    span_s: float = 0.0


class _Compiler:
    """Turns one transcript's header dicts into a Template."""

    def __init__(self, name: str, events: list[dict[str, str]]) -> None:
        self.t0 = float(events[0]["Timestamp"])
        self.tpl = Template(name, [])
        self.seen: dict[str, str] = {}  # original id → placeholder
        for headers in events:
            offset = float(headers["Timestamp"]) - self.t0
            wire = "".join(f"{k}: {self.value(k, v)}\r\n" for k, v in headers.items())
            self.tpl.lines.append((offset, wire + "\r\n"))
            self.tpl.span_s = max(self.tpl.span_s, offset)
            self.tpl.stored += is_queue_event(headers["Event"])
            self.tpl.joins += headers["Event"] == "QueueCallerJoin"

    def value(self, key: str, value: str) -> str:
        if key == "Timestamp":
            return "{ts}"
        if key in EPOCH_KEYS and value != "0":
            self.tpl.epochs.append(int(value) - int(self.t0))
            return f"{{E{len(self.tpl.epochs) - 1}}}"
        if key.endswith(("Uniqueid", "Linkedid")) and NUM_ID.fullmatch(value):
            return self.placeholder("N", value)
        if BRIDGE_ID.fullmatch(value):
            return self.placeholder("B", value)
        out = value.replace("{", "{{").replace("}", "}}")
        out = MEMBER.sub(r"kpi-agent-{L}-\1", out)
        out = KPI_ID.sub(lambda m: self.placeholder("U", m[0]), out)
        out = CHAN_SEQ.sub(lambda m: self.placeholder("C", m[0]), out)
        return AGENT_EXT.sub(r"{A}\1", out)

    def placeholder(self, kind: str, original: str) -> str:
        if original not in self.seen:
            self.seen[original] = f"{{{kind}{self.tpl.ids[kind]}}}"
            self.tpl.ids[kind] += 1
            assert self.tpl.ids[kind] <= STRIDE, f"{self.tpl.name}: too many {kind} ids"
        return self.seen[original]


def load_templates(fixtures: Path = FIXTURES) -> list[Template]:
    """Every transcript as a Template (QueueStatus replies and the `content` key left out)."""
    templates = []
    for path in sorted(fixtures.glob("*.jsonl")):
        events = []
        for line in path.read_text().splitlines():
            headers = json.loads(line)
            if "Event" in headers and "ActionID" not in headers:
                headers.pop("content", None)
                events.append(headers)
        templates.append(_Compiler(path.stem, events).tpl)
    return templates


def render(tpl: Template, *, copy: int, lane: int, start: float) -> list[tuple[float, str]]:
    """One copy of a scenario: its own ids, its lane's agents, its events from `start`."""
    values: dict[str, str] = {"A": f"8{lane:03d}", "L": f"{lane:03d}"}
    base = copy * STRIDE
    for i in range(tpl.ids["U"]):
        values[f"U{i}"] = f"kpi-{base + i:010x}"
    for i in range(tpl.ids["N"]):
        values[f"N{i}"] = f"{int(start)}.{base + i}"
    for i in range(tpl.ids["C"]):
        values[f"C{i}"] = f"{base + i:08x}"
    for i in range(tpl.ids["B"]):
        values[f"B{i}"] = f"{copy:08x}-0000-4000-8000-{i:012x}"
    for i, seconds in enumerate(tpl.epochs):
        values[f"E{i}"] = str(int(start) + seconds)
    out = []
    for offset, fmt in tpl.lines:
        ts = start + offset
        values["ts"] = f"{ts:.6f}"
        out.append((ts, fmt.format_map(values)))
    return out


# --- the stream ------------------------------------------------------------------------------


@dataclass
class Stream:
    chunks: list[bytes]
    events: int
    stored: int  # events the service keeps (is_queue_event): rows expected in ami_events
    calls: int  # QueueCallerJoin: queue-call records expected in queue_calls
    copies: Counter[str]
    lanes: int
    span_s: float  # stream time from first to last event
    build_s: float
    templates: list[Template]

    @property
    def nbytes(self) -> int:
        return sum(len(c) for c in self.chunks)

    def summary(self) -> dict[str, Any]:
        """Plain data (picklable): totals and the per-scenario table."""
        scenarios = [
            {
                "name": t.name,
                "copies": self.copies[t.name],
                "events": len(t.lines),
                "stored": t.stored,
                "calls": t.joins,
                "span_s": round(t.span_s, 2),
            }
            for t in self.templates
        ]
        return {
            "events": self.events,
            "stored": self.stored,
            "calls": self.calls,
            "bytes": self.nbytes,
            "chunks": len(self.chunks),
            "lanes": self.lanes,
            "span_s": self.span_s,
            "build_s": self.build_s,
            "scenarios": scenarios,
        }


def build(events: int, *, lanes: int = 50, base_ts: float | None = None) -> Stream:
    """At least `events` events: whole scenario copies, round-robin over scenarios and lanes.

    Timestamps start at `base_ts` (default now) and run forward: the engine's staleness tick
    (wall clock, 60 s) then never expires a call that is still being replayed.
    """
    started = time.perf_counter()
    templates = load_templates()
    base = time.time() if base_ts is None else base_ts
    mean_span = sum(t.span_s for t in templates) / len(templates) + GAP_S
    free = [(base + lane * mean_span / lanes, lane) for lane in range(lanes)]  # a heap
    per_lane: list[list[tuple[float, str]]] = [[] for _ in range(lanes)]
    copies: Counter[str] = Counter()
    total = stored = calls = copy = 0
    end = base
    while total < events:
        # The next scenario goes to the lane that is free first (like the next call to an agent).
        tpl = templates[copy % len(templates)]
        start, lane = heapq.heappop(free)
        per_lane[lane] += render(tpl, copy=copy, lane=lane, start=start)
        heapq.heappush(free, (start + tpl.span_s + GAP_S, lane))
        end = max(end, start + tpl.span_s)
        copies[tpl.name] += 1
        total, stored, calls = total + len(tpl.lines), stored + tpl.stored, calls + tpl.joins
        copy += 1
    merged = heapq.merge(*per_lane, key=lambda item: item[0])
    chunks = list(_chunks(text for _, text in merged))
    span = end - base
    elapsed = time.perf_counter() - started
    return Stream(chunks, total, stored, calls, copies, lanes, span, elapsed, templates)


def _chunks(texts: Iterator[str]) -> Iterator[bytes]:
    buf: list[str] = []
    size = 0
    for text in texts:
        buf.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(buf).encode()
            buf, size = [], 0
    if buf:
        yield "".join(buf).encode()


# --- the server ------------------------------------------------------------------------------


def _reply(headers: dict[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n"


class AmiServer(asyncio.Protocol):
    """One AMI session: Login, Ping, QueueStatus (empty), Logoff; then the stream, flow-controlled.

    The stream starts once the action named `start_on` (Login or QueueStatus) is answered.
    """

    def __init__(self, chunks: list[bytes], start_on: str, closed: asyncio.Future[None]) -> None:
        self.chunks, self.start_on, self.closed = chunks, start_on.lower(), closed
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.writable = asyncio.Event()
        self.writable.set()
        self.first_byte: float | None = None
        self.last_write: float | None = None
        self.sent = 0
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        assert self.transport is not None
        self.transport.write(BANNER)

    def connection_lost(self, exc: Exception | None) -> None:
        self.writable.set()
        if self.task is not None:
            self.task.cancel()
        if not self.closed.done():
            self.closed.set_result(None)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        *actions, self.buf = self.buf.split(b"\r\n\r\n")
        for raw in actions:
            headers = dict(
                line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line
            )
            self.answer({k.lower(): v for k, v in headers.items()})

    def answer(self, action: dict[str, str]) -> None:
        assert self.transport is not None
        name, action_id = action.get("action", "").lower(), action.get("actionid", "")
        ok = {"Response": "Success", "ActionID": action_id}
        if name == "login":
            self.transport.write(_reply({**ok, "Message": "Authentication accepted"}))
        elif name == "ping":
            self.transport.write(_reply({**ok, "Ping": "Pong", "Timestamp": f"{time.time():.6f}"}))
        elif name == "queuestatus":
            start = {**ok, "EventList": "start", "Message": "Queue status will follow"}
            done = {"Event": "QueueStatusComplete", "ActionID": action_id}
            self.transport.write(
                _reply(start) + _reply({**done, "EventList": "Complete", "ListItems": "0"})
            )
        elif name == "logoff":
            self.transport.write(_reply({"Response": "Goodbye", "ActionID": action_id}))
            self.transport.close()
            return
        else:
            error = {"Response": "Error", "ActionID": action_id}
            self.transport.write(_reply({**error, "Message": "Invalid/unknown command"}))
            return
        if name == self.start_on and self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.stream())

    async def stream(self) -> None:
        """Write the chunks as fast as the client reads them (pause_writing/resume_writing)."""
        assert self.transport is not None
        for chunk in self.chunks:
            await self.writable.wait()
            if self.transport.is_closing():
                return
            if self.first_byte is None:
                self.first_byte = time.monotonic()
            self.transport.write(chunk)
            self.sent += 1
        self.last_write = time.monotonic()


async def serve_once(
    chunks: list[bytes], start_on: str, conn: Connection, timeout_s: float
) -> None:
    """Listen on 127.0.0.1 (random port), serve one session, report its times to the parent."""
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()
    session = AmiServer(chunks, start_on, closed)
    server = await loop.create_server(lambda: session, "127.0.0.1", 0, backlog=1)
    conn.send(("port", server.sockets[0].getsockname()[1]))
    try:
        await asyncio.wait_for(closed, timeout_s)
    except TimeoutError:
        pass
    finally:
        server.close()
    conn.send(("streamed", session.first_byte, session.last_write, session.sent))


def server_process(conn: Connection, events: int, lanes: int, timeout_s: float) -> None:
    """Child process: build the stream once, then serve one session per ("serve", start_on)."""
    stream = build(events, lanes=lanes)
    conn.send(("built", stream.summary()))
    while conn.poll(timeout_s):
        command, *args = conn.recv()
        if command != "serve":
            return
        asyncio.run(serve_once(stream.chunks, args[0], conn, timeout_s))


# --- composition, when run alone ---------------------------------------------------------------


def describe(summary: dict[str, Any]) -> list[str]:
    """The stream's composition as printable lines."""
    s = summary
    lines = [
        f"stream: {s['events']:,} events ({s['bytes'] / 1e6:,.0f} MB wire, {s['chunks']:,} chunks)"
        f" from {sum(r['copies'] for r in s['scenarios']):,} scenario copies on {s['lanes']} lanes,"
        f" {s['span_s'] / 60:,.0f} min of traffic; built in {s['build_s']:.1f} s",
        f"        stored kinds (is_queue_event): {s['stored']:,} ({s['stored'] / s['events']:.1%});"
        f" queue calls (QueueCallerJoin): {s['calls']:,}",
        f"  {'scenario':<18} {'copies':>7} {'events':>7} {'stored':>7} {'calls':>6} {'span s':>7}",
    ]
    for r in s["scenarios"]:
        lines.append(
            f"  {r['name']:<18} {r['copies']:>7,} {r['events']:>7} {r['stored']:>7}"
            f" {r['calls']:>6} {r['span_s']:>7}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--lanes", type=int, default=50)
    args = parser.parse_args()
    stream = build(args.events, lanes=args.lanes)
    print("\n".join(describe(stream.summary())))


if __name__ == "__main__":
    main()
