"""The 1212 IVR under load: SIPp callers through the carrier trunk, 200 calls at 10 calls/s.

Each caller (tests/fixtures/sipp/bench-caller.xml) is answered by the IVR, keys 1 (RFC 4733)
a second after the answer, waits in online-shopping (one paused simulated agent: nobody
answers, nobody leaves for an empty queue) and hangs up 8 s after the answer.

Run 1, the service up: the service runs in this process (create_app's lifespan, a database of
its own, a Stasis app name of its own named by the X-CC-Test-App header), so its ARI events
give, per caller, the delay from the call entering the IVR (StasisStart, after Answer()) to
the first prompt starting (PlaybackStarted), both by Asterisk's clock. CPU: this process
(the service; SIPp is its own process) vs Asterisk, over the same run; the baseline is
Asterisk's CPU.

Run 2, the service killed mid-run: `callcenter serve` in a subprocess takes the calls and is
SIGKILLed when half of them are placed; callers after that must still reach a queue through
the dialplan fallback IVR ([inbound] → [ivr], which takes the same key 1).

Stranded: a caller whose number never entered a queue (queue_log ENTERQUEUE, by caller id)
before hanging up. Must be 0; exit 1 otherwise.

    flock /tmp/cc-stack.lock .venv/bin/python benchmarks/ivr.py [--calls 200 --rate 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import _root  # noqa: F401  (before any project import: see _root.py)
import httpx

from callcenter import migrate
from callcenter.config import Settings, get_settings
from callcenter.main import create_app
from callcenter.simulate import sipp
from callcenter.simulate.agents import SimAgents
from callcenter.simulate.runner import TRACKED, simulator_ami
from callcenter.stack.asterisk import AsteriskService

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests/fixtures/sipp/bench-caller.xml"
QUEUE = "online-shopping"
TICK = os.sysconf("SC_CLK_TCK")
DRAIN_S = 30.0


def cpu_s(pid: int) -> float:
    """utime + stime of the process (all its threads) and of its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK


def own_cpu_s() -> float:
    """This process's own CPU (SIPp, a child we wait for, is left out)."""
    times = os.times()
    return times.user + times.system


@contextlib.contextmanager
def own_database(base: Settings) -> Iterator[Settings]:
    url = base.database_url.rsplit("/", 1)[0] + f"/callcenter_ivrbench_{uuid.uuid4().hex[:10]}"
    own = base.model_copy(update={"database_url": url})
    migrate.prepare(own)
    try:
        yield own
    finally:
        migrate.drop_database(own)


def numbers(run: str, calls: int) -> list[str]:
    """Callers' numbers of one run: 08 + 4 digits of the run + 4 of the call."""
    return [f"08{run}{i:04d}" for i in range(calls)]


def entered(queue_log: Path, wanted: set[str], since: float) -> set[str]:
    """The callers (by number) that entered a queue since `since` (queue_log ENTERQUEUE)."""
    found = set()
    for line in queue_log.read_text(errors="replace").splitlines():
        parts = line.split("|")
        if len(parts) >= 7 and parts[4] == "ENTERQUEUE" and float(parts[0]) >= since:
            found.add(parts[6])
    return found & wanted


def rank(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]


def iso(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


async def with_agents(settings: Settings) -> SimAgents:
    ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
    await ami.start()
    await ami.wait_connected(15)
    agents = SimAgents(ami=ami, queue=QUEUE)
    await agents.ensure(1)
    await agents.pause(1)  # callers wait: the queue is neither answered nor empty
    return agents


async def run_up(settings: Settings, args: argparse.Namespace, work: Path) -> dict[str, object]:
    app_name = f"cc-ivr-bench-{uuid.uuid4().hex[:6]}"
    own = settings.model_copy(update={"ari_app": app_name})
    app = create_app(own)
    started: dict[str, float] = {}
    first_prompt: dict[str, float] = {}

    async def watch(event: dict[str, object]) -> None:
        kind = event.get("type")
        if kind == "StasisStart":
            started[event["channel"]["id"]] = iso(str(event["timestamp"]))  # type: ignore[index]
        elif kind == "PlaybackStarted":
            target = str(event["playback"]["target_uri"]).removeprefix("channel:")  # type: ignore[index]
            first_prompt.setdefault(target, iso(str(event["timestamp"])))

    asterisk = AsteriskService(settings).pid()
    assert asterisk is not None, "Asterisk is not running: callcenter stack up"
    run = f"{int(time.time()) % 10000:04d}"
    callers = numbers(run, args.calls)
    async with app.router.lifespan_context(app):
        ari = app.state.services.ari
        await asyncio.to_thread(wait_until, lambda: ari.connected, 20)
        ari.on_event(watch)
        agents = await with_agents(settings)
        since = time.time()
        cpu0, ast0 = own_cpu_s(), cpu_s(asterisk)
        result = await sipp.place(
            SCENARIO, callers=[(n, app_name) for n in callers], workdir=work / "up",
            rate=args.rate, timeout_s=args.calls / args.rate + 120,
        )  # fmt: skip
        cpu1, ast1 = own_cpu_s(), cpu_s(asterisk)
        await agents.logout_all()
    reached = entered(settings.queue_log_file, set(callers), since - 1)
    delays = [first_prompt[c] - started[c] for c in started if c in first_prompt]
    return {
        "calls": args.calls, "sipp_ok": result.successful, "sipp_failed": result.failed,
        "stranded": args.calls - len(reached),
        "prompt_p50_ms": None if not delays else round(1000 * (rank(delays, 50) or 0), 1),
        "prompt_p99_ms": None if not delays else round(1000 * (rank(delays, 99) or 0), 1),
        "service_cpu_s": round(cpu1 - cpu0, 2), "asterisk_cpu_s": round(ast1 - ast0, 2),
    }  # fmt: skip


def wait_until(ready: Callable[[], bool], timeout_s: float) -> bool:
    """Poll `ready` (in a thread) until true or the deadline."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def serve(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`callcenter serve` on a free loopback port, healthy and its ARI app registered."""
    port = sipp._free_tcp_port()
    cmd = [sys.executable, "-m", "callcenter", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)

    def healthy() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        return False

    if not wait_until(healthy, 90):
        raise TimeoutError("callcenter serve did not become healthy")
    # Its ARI app registered (logged; the health check does not say): up to 10 s more.
    wait_until(lambda: b"registered at" in Path(log.name).read_bytes(), 10)
    return proc


async def run_killed(settings: Settings, args: argparse.Namespace, work: Path) -> dict[str, object]:
    """SIGKILL the service when half the calls are placed; start it again `restart_s` later
    (as its supervisor would): callers placed meanwhile take the dialplan IVR, callers it left
    in the Stasis app mid-menu go on in the dialplan IVR when it registers again."""
    app_name = f"cc-ivr-bench-{uuid.uuid4().hex[:6]}"
    env = os.environ | {
        "CALLCENTER_DATABASE_URL": settings.database_url,
        "CALLCENTER_ARI_APP": app_name,
    }
    run = f"{(int(time.time()) + 5000) % 10000:04d}"
    callers = numbers(run, args.calls)
    with tempfile.NamedTemporaryFile() as log, tempfile.NamedTemporaryFile() as log2:
        proc = await asyncio.to_thread(serve, env, log)
        again: subprocess.Popen[bytes] | None = None
        try:
            agents = await with_agents(settings)
            since = time.time()
            calling = asyncio.create_task(
                sipp.place(
                    SCENARIO,
                    callers=[(n, app_name) for n in callers],
                    workdir=work / "killed",
                    rate=args.rate,
                    timeout_s=args.calls / args.rate + 120,
                )
            )
            await asyncio.sleep(args.calls / args.rate / 2)
            proc.send_signal(signal.SIGKILL)
            killed_at = time.time()
            await asyncio.sleep(args.restart_s)
            again = await asyncio.to_thread(serve, env, log2)
            back_at = time.time()
            result = await calling
            await agents.logout_all()
        finally:
            for p in (proc, again):
                if p is not None and p.poll() is None:
                    p.send_signal(signal.SIGINT)
                    p.wait(timeout=60)
        text = await asyncio.to_thread(Path(log2.name).read_bytes)
        rescued = text.count(b"was left in the app")
    reached = entered(settings.queue_log_file, set(callers), since - 1)
    return {
        "calls": args.calls, "sipp_ok": result.successful, "sipp_failed": result.failed,
        "stranded": args.calls - len(reached), "rescued": rescued,
        "errors": result.errors[-600:],
        "killed_after_s": round(killed_at - since, 1), "down_s": round(back_at - killed_at, 1),
    }  # fmt: skip


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--restart-s", type=float, default=2.0, help="killed service down for")
    args = parser.parse_args()
    base = get_settings()
    with own_database(base) as settings, tempfile.TemporaryDirectory() as tmp:
        up = await run_up(settings, args, Path(tmp))
        killed = await run_killed(settings, args, Path(tmp))
    ratio = (
        up["service_cpu_s"] / up["asterisk_cpu_s"]  # type: ignore[operator]
        if up["asterisk_cpu_s"]
        else None
    )
    print(f"IVR benchmark: {args.calls} SIPp calls at {args.rate:g}/s through the carrier trunk")
    print(
        f"  service up:     stranded {up['stranded']}/{up['calls']}, SIPp ok {up['sipp_ok']}, "
        f"failed {up['sipp_failed']}; prompt start after answer p50 {up['prompt_p50_ms']} ms, "
        f"p99 {up['prompt_p99_ms']} ms"
    )
    print(
        f"  CPU: service {up['service_cpu_s']} s vs Asterisk {up['asterisk_cpu_s']} s "
        f"(baseline): ratio service/Asterisk = {ratio:.2f}"
        if ratio is not None
        else "  CPU: Asterisk used none?"
    )
    print(
        f"  service killed after {killed['killed_after_s']} s, back {killed['down_s']} s later: "
        f"stranded {killed['stranded']}/{killed['calls']} (callers it had left mid-menu, sent "
        f"on to the dialplan IVR at its restart: {killed['rescued']}), SIPp ok "
        f"{killed['sipp_ok']}, failed {killed['sipp_failed']}"
    )
    if killed["sipp_failed"]:
        print(f"  SIPp's errors (killed run): {killed['errors']}")
    return 0 if up["stranded"] == 0 and killed["stranded"] == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
