"""Wallboard fan-out latency: Hub + FastAPI websocket route vs a bare websockets broadcast loop.

One run on 127.0.0.1 (random ports): each server gets CLIENTS websocket
clients, events are published at RATE/s for SECONDS per server, and the
event-to-client latency (publish timestamp in the message -> receive time) is
measured on a spread-out subset of probe clients; the others only drain their
sockets. The servers (and publisher) run in this process, the clients in one
child process with raw sockets, so the two cores are split one each.

The hub and the "batched" baseline are up side by side, each with its own
clients, and take turns publishing in SLICES short slices (hub, batched,
batched, hub, ...), so that load from other programs on a shared machine falls
on both alike; figures pool each server's slices. "batched" sends the hub's own
frames (every change since the last send, one JSON array) with
websockets.broadcast and nothing else: the like-for-like baseline, and the
goal is p99 hub / p99 batched <= GOAL. Optional "bare" (--order hub,batched,bare)
sends one frame per event, runs alone afterwards, and cannot keep up with
thousands of events a second to hundreds of clients.

The hub is served as `callcenter serve` serves it (--ws fanout: uvicorn with
agent_ui.ws_server.UVICORN_WS); --ws auto shows plain uvicorn.

Also printed: the rate each server actually sustained; "p99 from due", timed
from when the event was due, so it includes a publisher falling behind;
"changes", the share of events a probe got one by one (the hub folds the
backlog of a client that fell behind into a snapshot, timed by its newest
event); frames/s per client; the collector's pauses in the server process.

    .venv/bin/python benchmarks/wallboard.py [--clients 1000 --rate 5000 --seconds 10 --slices 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import multiprocessing
import re
import secrets
import socket
import time
from array import array
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

import _root  # noqa: F401  (before any project import: see _root.py)
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from websockets.asyncio.server import ServerConnection, broadcast, serve

from agent_ui.hub import Hub, encode
from agent_ui.ws import wallboard_socket
from agent_ui.ws_server import UVICORN_WS
from callcenter import services
from callcenter.config import Settings
from callcenter.users.security import issue_token

BOARD = {"queue": "general-enquiries", "waiting": 3, "longest_wait_s": 41, "available": 12}
STAMP = re.compile(rb'"ts":([0-9.]+),"due":([0-9.]+),"n":(\d+)')
HANDSHAKE = (
    "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n"
)
ANSWER_TIMEOUT_S = 90.0
GOAL = 1.2  # p99 hub / p99 batched
Publish = Callable[[dict[str, Any]], None]


# --- servers (this process) -----------------------------------------------------------------


def listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock


@dataclass
class Server:
    port: int
    path: str
    publish: Publish
    clients: Callable[[], int]
    notes: Callable[[], str]


@asynccontextmanager
async def hub_server(max_batch: int | None, ws: str) -> AsyncIterator[Server]:
    """The Hub behind the real FastAPI route, served by uvicorn."""
    settings = Settings(jwt_secret=SecretStr(secrets.token_hex(32)))
    board: dict[str, Any] = {}  # the last event: a snapshot is as fresh as its stamps
    hub = Hub(lambda _: board, max_batch=max_batch)
    app = FastAPI()
    app.state.settings = settings
    app.dependency_overrides[services.hub] = lambda: hub
    app.include_router(wallboard_socket())

    def publish(data: dict[str, Any]) -> None:
        board.update(data)
        hub.publish("wallboard", data)

    sock = listening_socket()
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        ws_ping_interval=None,
        **(UVICORN_WS if ws == "fanout" else {"ws": ws, "ws_per_message_deflate": False}),
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await until(lambda: server.started, 10, "uvicorn up")
        token = issue_token(settings=settings, user_id=1, role="supervisor")
        yield Server(
            port=sock.getsockname()[1],
            path=f"/ws/wallboard?token={token}",
            publish=publish,
            clients=lambda: hub.subscribers("wallboard"),
            notes=lambda: f"hub: {hub.stats}",
        )
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@asynccontextmanager
async def broadcast_server(*, batched: bool) -> AsyncIterator[Server]:
    """A baseline with no hub: websockets.broadcast to every client, either one frame per event
    (`bare`) or, like the hub's frames, a JSON array of every change since the last send from
    one flusher task (`batched`, the like-for-like one)."""
    clients: set[ServerConnection] = set()
    pending: list[str] = []
    wake = asyncio.Event()
    seq = 0

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    def publish(data: dict[str, Any]) -> None:
        nonlocal seq
        seq += 1
        message = encode({"type": "change", "topic": "wallboard", "seq": seq, "data": data})
        if not batched:
            broadcast(clients, f"[{message}]")
            return
        pending.append(message)
        wake.set()

    async def flush() -> None:
        while True:
            await wake.wait()
            wake.clear()
            frame = f"[{','.join(pending)}]"
            pending.clear()
            broadcast(clients, frame)

    sock = listening_socket()
    flusher = asyncio.create_task(flush())
    try:
        async with serve(handler, sock=sock, compression=None, ping_interval=None):
            yield Server(sock.getsockname()[1], "/", publish, lambda: len(clients), lambda: "")
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher


async def until(probe: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll `probe` until truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout_s
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s}s")
        await asyncio.sleep(0.02)


async def pace(publish: Publish, rate: float, seconds: float, first: int = 0) -> int:
    """Publish at `rate`/s for `seconds`, like a consumer draining its input queue each tick.

    Each message carries its due time, its publish time and its number (from `first`); stops
    on time even when behind. Returns how many it published.
    """
    start = time.monotonic()
    end, sent = start + seconds, 0
    while (now := time.monotonic()) < end:
        due = int((now - start) * rate)
        while sent < due and time.monotonic() < end:
            stamp = {"ts": time.monotonic(), "due": start + sent / rate, "n": first + sent}
            publish(stamp | BOARD)
            sent += 1
        await asyncio.sleep(0.001)
    return sent


# --- clients (child process) ----------------------------------------------------------------


class Client(asyncio.Protocol):
    """A raw websocket client: probes parse frames and time messages, the rest just drain."""

    def __init__(self, probe: bool, handshake: bytes) -> None:
        self.probe, self.handshake = probe, handshake
        self.open: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buf = bytearray()
        self.upgraded = self.closed = False
        self.latency, self.from_due = array("d"), array("d")
        self.last_n, self.received, self.snapshots, self.frames_in = -1, 0, 0, 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.handshake)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.open.done():
            self.open.set_exception(ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        if self.upgraded:
            if self.probe:
                self.buf += data
                self.frames(time.monotonic())
            return
        self.buf += data
        head, sep, rest = bytes(self.buf).partition(b"\r\n\r\n")
        if sep:
            self.upgraded = head.startswith(b"HTTP/1.1 101")
            self.buf = bytearray(rest if self.probe else b"")
            self.open.set_result(None)

    def frames(self, now: float) -> None:
        """Consume the complete frames in the buffer."""
        buf, i = self.buf, 0
        while (frame := frame_at(buf, i)) is not None:
            start, end = frame
            if buf[i] & 0x0F == 1:
                self.text(bytes(buf[start:end]), now)
            i = end
        del buf[:i]

    def text(self, payload: bytes, now: float) -> None:
        """Time every stamped message (a snapshot is stamped with the last event it holds)."""
        stamps = STAMP.findall(payload)
        for ts, due, n in stamps:
            self.latency.append(now - float(ts))
            self.from_due.append(now - float(due))
            self.last_n = int(n)
        snapshots = payload.count(b'"type":"snapshot"')
        self.frames_in += 1
        self.snapshots += snapshots
        self.received += len(stamps) - snapshots


def frame_at(buf: bytearray, i: int) -> tuple[int, int] | None:
    """(payload start, frame end) of the unmasked frame at `i`, if complete."""
    if len(buf) - i < 2:
        return None
    size, head = buf[i + 1] & 0x7F, 2
    if size >= 126:
        head = 4 if size == 126 else 10
        if len(buf) - i < head:
            return None
        size = int.from_bytes(buf[i + 2 : i + head], "big")
    end = i + head + size
    return (i + head, end) if len(buf) >= end else None


class Fleet:
    """One server's raw clients, on the child process's event loop."""

    def __init__(self) -> None:
        self.clients: list[Client] = []
        self.cpu = self.wall = 0.0  # this process's time while the fleet's server published
        self.since = (0.0, 0.0)

    async def connect(self, port: int, path: str, count: int, probes: int) -> int:
        handshake = HANDSHAKE.format(path=path, port=port).encode()
        every = max(1, count // probes)
        loop, gate = asyncio.get_running_loop(), asyncio.Semaphore(50)

        async def one(i: int) -> None:
            async with gate:
                _, client = await loop.create_connection(
                    lambda: Client(i % every == 0, handshake), "127.0.0.1", port
                )
                await asyncio.wait_for(client.open, 10)
                self.clients.append(client)

        await asyncio.gather(*(one(i) for i in range(count)))
        return sum(c.upgraded for c in self.clients)

    @property
    def probes(self) -> list[Client]:
        return [c for c in self.clients if c.probe]

    def start(self) -> None:
        self.since = (time.process_time(), time.monotonic())

    async def drain(self, last: int, drain_s: float) -> None:
        """Wait (bounded) for the probes to see message `last`, the end of a slice."""

        def tail_seen() -> bool:
            return all(c.last_n >= last or c.closed for c in self.probes)

        with contextlib.suppress(TimeoutError):
            await until(tail_seen, drain_s, "tail")
        cpu, wall = self.since
        self.cpu += time.process_time() - cpu
        self.wall += time.monotonic() - wall

    def summary(self, sent: int) -> dict[str, Any]:
        closed = sum(c.closed for c in self.clients)
        return summarize(self.probes, sent, closed) | {"cpu": self.cpu / max(self.wall, 1e-9)}

    def close(self) -> None:
        for c in self.clients:
            if c.transport is not None:
                c.transport.abort()
        self.clients = []


def percentiles(values: array[float] | list[float]) -> tuple[float, float, float]:
    """p50, p99 and max, in milliseconds."""
    ordered = sorted(values) or [float("nan")]

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return at(0.50), at(0.99), ordered[-1] * 1000


def summarize(probes: list[Client], sent: int, closed: int) -> dict[str, Any]:
    latency = [x for c in probes for x in c.latency]
    from_due = [x for c in probes for x in c.from_due]
    return {
        "latency": percentiles(latency),
        "from_due": percentiles(from_due),
        "received": sum(c.received for c in probes) / max(1, sent * len(probes)),
        "snapshots": sum(c.snapshots for c in probes),
        "frames": sum(c.frames_in for c in probes) / max(1, len(probes)),
        "closed": closed,
    }


def client_process(conn: Connection) -> None:
    """Child process entry: obey (command, fleet, *args) messages until "exit"."""
    run(client_loop(conn))


async def client_loop(conn: Connection) -> None:
    loop, fleets = asyncio.get_running_loop(), dict[str, Fleet]()
    while True:
        command, name, *args = await loop.run_in_executor(None, conn.recv)
        fleet = fleets.setdefault(name, Fleet())
        if command == "connect":
            conn.send(await fleet.connect(*args))
        elif command == "start":
            conn.send(fleet.start())
        elif command == "drain":
            conn.send(await fleet.drain(*args))
        elif command == "summary":
            conn.send(fleet.summary(*args))
        elif command == "close":
            conn.send(fleets.pop(name).close())
        else:
            return


def run(main: Any) -> Any:
    """asyncio.run on uvloop when it is installed (uvicorn[standard] brings it)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


# --- orchestration --------------------------------------------------------------------------


class GcPauses:
    """The collector's pauses in this process while the block runs (added up over blocks)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._start = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))

    def summary(self) -> str:
        full = sum(g == 2 for g, _ in self.pauses)
        longest = max((s for _, s in self.pauses), default=0.0)
        return f"{len(self.pauses)} collections ({full} full), longest {longest * 1000:.1f} ms"


@dataclass
class Side:
    """One server under test, its clients' name in the child process, and its tallies."""

    name: str
    server: Server
    sent: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    gc: GcPauses = field(default_factory=GcPauses)


async def ask(conn: Connection, *message: Any) -> Any:
    """Send a command to the client process and await its answer (bounded)."""
    conn.send(message)
    return await asyncio.get_running_loop().run_in_executor(None, answer, conn, ANSWER_TIMEOUT_S)


def answer(conn: Connection, timeout_s: float) -> Any:
    """The client process's next answer; TimeoutError if it has none in time."""
    if not conn.poll(timeout_s):
        raise TimeoutError(f"no answer from the client process within {timeout_s}s")
    return conn.recv()


async def connect(side: Side, conn: Connection, args: argparse.Namespace) -> int:
    """Connect the side's clients and wait until the server has them all."""
    s = side.server
    connected = await ask(conn, "connect", side.name, s.port, s.path, args.clients, args.probes)
    await until(lambda: s.clients() >= args.clients, 30, f"{side.name}: clients subscribed")
    await asyncio.sleep(0.5)  # let the snapshots go out before the clock starts
    return int(connected)


async def publish_slice(
    side: Side, conn: Connection, seconds: float, args: argparse.Namespace
) -> None:
    """Publish on one side for `seconds`, then wait for its probes to see the last message."""
    await ask(conn, "start", side.name)
    cpu, wall = time.process_time(), time.monotonic()
    with side.gc:
        sent = await pace(side.server.publish, args.rate, seconds, first=side.sent)
    side.elapsed += time.monotonic() - wall
    side.cpu += time.process_time() - cpu
    side.sent += sent
    await ask(conn, "drain", side.name, side.sent - 1, args.drain)
    await asyncio.sleep(0.2)  # the other clients finish reading too


async def result(side: Side, conn: Connection, connected: int) -> dict[str, Any]:
    figures = await ask(conn, "summary", side.name, side.sent)
    await ask(conn, "close", side.name)
    return figures | {
        "name": LABELS[side.name],
        "connected": connected,
        "rate": side.sent / side.elapsed,
        "server_cpu": side.cpu / side.elapsed,
        "notes": side.server.notes(),
        "gc": side.gc.summary(),
        "frames_per_s": figures["frames"] / side.elapsed,
    }


def server_for(
    name: str, args: argparse.Namespace
) -> contextlib.AbstractAsyncContextManager[Server]:
    if name == "hub":
        return hub_server(args.max_batch, args.ws)
    return broadcast_server(batched=name == "batched")


LABELS = {
    "hub": "hub + FastAPI route",
    "batched": "batched websockets.broadcast",
    "bare": "bare websockets.broadcast",
}


async def interleaved(names: list[str], conn: Connection, args: argparse.Namespace) -> list[dict]:
    """Every named server up at once; they take turns publishing, in mirrored order."""
    async with contextlib.AsyncExitStack() as stack:
        sides = [Side(n, await stack.enter_async_context(server_for(n, args))) for n in names]
        gc.freeze()  # as the service does once it has started (callcenter.main)
        connected = {side.name: await connect(side, conn, args) for side in sides}
        gc.collect()  # a steady state: the clients' connecting is not what is measured
        for turn in range(args.slices):
            for side in sides if turn % 2 == 0 else sides[::-1]:
                await publish_slice(side, conn, args.seconds / args.slices, args)
        return [await result(side, conn, connected[side.name]) for side in sides]


async def bench(args: argparse.Namespace) -> list[dict]:
    ctx = multiprocessing.get_context("spawn")
    conn, child_conn = ctx.Pipe()
    child = ctx.Process(target=client_process, args=(child_conn,), daemon=True)
    child.start()
    child_conn.close()  # so a dead child shows up as EOFError, not a hang
    names = args.order.split(",")
    try:
        together = [n for n in names if n != "bare"]
        results = await interleaved(together, conn, args) if together else []
        if "bare" in names:  # alone: its backlog would spill into the others' turns
            results += await interleaved(
                ["bare"], conn, argparse.Namespace(**vars(args) | {"slices": 1})
            )
    finally:
        with contextlib.suppress(OSError):
            conn.send(("exit", ""))
        child.join(10)
        if child.is_alive():
            child.terminate()
    return results


def report(args: argparse.Namespace, results: list[dict]) -> None:
    print(
        f"wallboard fan-out on 127.0.0.1: {args.clients} clients ({args.probes} probes) per "
        f"server, target {args.rate:,.0f} events/s for {args.seconds:.0f} s per server "
        f"in {args.slices} turns; hub served with --ws {args.ws}"
    )
    print(
        f"{'':29}{'events/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'p99 from due':>13}"
        f"{'changes':>9}{'snapshots':>10}{'closed':>7}{'frames/s':>9}{'CPU srv/cli':>12}"
    )
    for r in results:
        p50, p99, top = r["latency"]
        print(
            f"{r['name']:29}{r['rate']:9,.0f}{p50:8.1f}{p99:8.1f}{top:8.0f}"
            f"{r['from_due'][1]:13.1f}{r['received']:9.1%}{r['snapshots']:10}{r['closed']:7}"
            f"{r['frames_per_s']:9.0f}{r['server_cpu']:7.0%}/{r['cpu']:4.0%}"
        )
    for r in results:
        print(
            f"{r['name']}: garbage collector {r['gc']}" + (f"; {r['notes']}" if r["notes"] else "")
        )
    for r in results:
        if r["rate"] < 0.95 * args.rate:
            print(
                f"note: {r['name']} sustained only {r['rate']:,.0f} of {args.rate:,.0f} events/s; "
                "its per-message latency leaves out the backlog ('p99 from due' has it)"
            )
    by_name = {r["name"].split()[0]: r for r in results}
    for base in ("batched", "bare"):
        if {"hub", base} <= by_name.keys():
            ratio = by_name["hub"]["latency"][1] / by_name[base]["latency"][1]
            due = by_name["hub"]["from_due"][1] / by_name[base]["from_due"][1]
            goal = f" (goal <= {GOAL})" if base == "batched" else ""
            print(f"ratio p99 hub / p99 {base}: {ratio:.2f}{goal}; from the due time: {due:.2f}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--clients", type=int, default=1000, help="websocket clients per server")
    p.add_argument("--probes", type=int, default=20, help="clients that time every message")
    p.add_argument("--rate", type=float, default=5000, help="events published per second")
    p.add_argument("--seconds", type=float, default=10, help="publishing time per server")
    p.add_argument("--slices", type=int, default=10, help="turns each server takes")
    p.add_argument("--drain", type=float, default=15, help="max wait for the tail, seconds")
    p.add_argument("--max-batch", type=int, default=None, help="hub: changes per frame")
    p.add_argument(
        "--order",
        default="hub,batched",
        help="servers: hub, batched (same frames, bare broadcast), bare (one frame per event)",
    )
    p.add_argument(
        "--ws",
        default="fanout",
        help="uvicorn websocket implementation: fanout (as `callcenter serve`), auto, wsproto",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    report(args, run(bench(args)))


if __name__ == "__main__":
    main()
