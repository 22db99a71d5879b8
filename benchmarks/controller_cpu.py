"""Controller CPU at ~100 concurrent calls: `callcenter serve` CPU-seconds per Asterisk CPU-second.

The real service (`python -m callcenter serve`, a free loopback port, a fresh database of
its own, dropped afterwards) runs against the running stack while the project's simulator
places CALLS recorded calls at RATE per second into one queue with AGENTS simulated agents
who talk TALK seconds (300 at 5/s, 99 agents, 20 s: about 100 calls up at once). The
recordings go into a spool subfolder of their own, which is this service's whole spool.

CPU is utime+stime (+ waited-for children) from /proc/<pid>/stat of the service, Asterisk
and the S3 server (weed), from the moment before the first call until every call has ended,
its record is stored and every recording has left the spool. Asterisk doing the calls is
the baseline: the ratio is service / Asterisk (goal <= 0.10).

At the end it checks that nothing was lost: queue calls stored vs queue_log's ENTERQUEUE
lines, answered calls vs CONNECT, the raw AMI events (QueueCallerJoin, AgentConnect), the
verified recordings vs the answered calls, and that the stored calls' KPIs equal the ones
queue_log gives (the reconciler's `agree`). Exit 1 when any differ.

"serve loop" is the service's main thread alone (the event loop); the rest of its CPU is
the recordings uploader's threads (hashing, S3 put and read-back). `--profile` runs the
service under cProfile, recording only while the calls run (its overhead inflates the
service's figure, and it sees the main thread only), and prints where that time went.

    flock /tmp/cc-stack.lock .venv/bin/python benchmarks/controller_cpu.py \
        [--calls 300 --rate 5 --talk 20 --agents 99 --queue Q --profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import _root  # noqa: F401  (before any project import: see _root.py)
import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from callcenter import centre, migrate
from callcenter.calls import service as calls_service
from callcenter.calls.models import QueueCall
from callcenter.config import Settings, get_settings
from callcenter.kpi.service import metrics_config
from callcenter.reconcile.queue_log import read_file
from callcenter.reconcile.recount import to_records
from callcenter.reconcile.service import agree
from callcenter.simulate.runner import TRACKED, Simulation, simulator_ami
from callcenter.simulate.spec import Distribution, RunSpec, plan, validate
from callcenter.stack.asterisk import AsteriskService
from callcenter.stack.s3 import S3Service
from queue_metrics import kpi
from queue_metrics.config import MetricsConfig
from queue_metrics.records import CallRecord

TICK = os.sysconf("SC_CLK_TCK")
GOAL = 0.10
STARTUP_S = 8.0  # healthy to the end of the first rounds of the periodic parts
SETTLE_S = 2.0  # then the service counts as settled when it used < 3% CPU over this long
SETTLED = 0.03
DRAIN_S = 120.0  # after the last call: records stored and spool empty within this
IDLE_S = 5.0  # the service's CPU with no calls, measured before them


def cpu_s(pid: int) -> float:
    """utime + stime of the process (all its threads) and of its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK


def main_thread_s(pid: int) -> float:
    """utime + stime of the process's main thread (the event loop) alone."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:13]) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def own_database(base: Settings) -> Iterator[Settings]:
    """`base` with a freshly migrated database of its own, dropped afterwards."""
    url = base.database_url.rsplit("/", 1)[0] + f"/callcenter_cpubench_{uuid.uuid4().hex[:10]}"
    own = base.model_copy(update={"database_url": url})
    migrate.ensure_database(own.sync_database_url)
    try:
        migrate.upgrade(own.sync_database_url)
        yield own
    finally:
        migrate.drop_database(own.sync_database_url)


@contextlib.contextmanager
def service(settings: Settings, spool: Path, profile: Path | None) -> Iterator[int]:
    """`callcenter serve` on a free loopback port; yields its pid, stops it (SIGINT) after."""
    port = free_port()
    env = os.environ | {
        "CALLCENTER_DATABASE_URL": settings.database_url,
        "CALLCENTER_SPOOL_DIR": str(spool),
    }
    if profile is not None:
        env["CPU_BENCH_PROFILE"] = str(profile)
    runner = (
        [str(Path(__file__).with_name("_serve_profiled.py"))] if profile else ["-m", "callcenter"]
    )
    cmd = [sys.executable, *runner, "serve", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(proc, port)
            yield proc.pid
        finally:
            stop(proc, log)


def stop(proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    """SIGINT (uvicorn's graceful stop), SIGKILL after a minute."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.returncode not in (0, -signal.SIGINT):
        log.seek(0)
        print(log.read().decode(errors="replace")[-4000:], file=sys.stderr)


def wait_ready(proc: subprocess.Popen[bytes], port: int, timeout_s: float = 90.0) -> None:
    """/healthz answers 200, then the start-up work has died down (the first rounds of the
    reconciler and the callbacks detector: a fresh database takes in queue_log's calls)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"callcenter serve exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                break
        time.sleep(0.5)
    else:
        raise TimeoutError("callcenter serve did not become healthy")
    time.sleep(STARTUP_S)
    while time.monotonic() < deadline:
        before = cpu_s(proc.pid)
        time.sleep(SETTLE_S)
        if cpu_s(proc.pid) - before < SETTLED * SETTLE_S:
            return
    raise TimeoutError("callcenter serve did not settle after starting")


def stored(db: Settings, run_id: str) -> dict[str, int]:
    """What the service's database holds of this run."""
    engine = create_engine(db.sync_database_url)
    like = {"p": f"{run_id}%"}
    try:
        with engine.connect() as c:
            calls = c.execute(
                text(
                    "select count(*), count(answered_at), count(ended_at) from queue_calls"
                    " where call_id like :p"
                ),
                like,
            ).one()
            recs = c.execute(
                text(
                    "select count(*), count(*) filter (where upload_state = 'verified')"
                    " from recordings where uniqueid like :p"
                ),
                like,
            ).one()
            events: dict[str, int] = dict(
                c.execute(
                    text(
                        "select event, count(*) from ami_events where uniqueid like :p"
                        " and event in ('QueueCallerJoin', 'AgentConnect') group by event"
                    ),
                    like,
                ).all()
            )
    finally:
        engine.dispose()
    return {
        "calls": calls[0], "answered": calls[1], "ended": calls[2],
        "recordings": recs[0], "verified": recs[1],
        "join_events": events.get("QueueCallerJoin", 0),
        "connect_events": events.get("AgentConnect", 0),
    }  # fmt: skip


def stored_records(db: Settings, run_id: str) -> list[CallRecord]:
    engine = create_engine(db.sync_database_url)
    try:
        with Session(engine) as s:
            rows = s.scalars(select(QueueCall).where(QueueCall.call_id.like(f"{run_id}%"))).all()
            return [calls_service.to_record(r) for r in rows]
    finally:
        engine.dispose()


def from_queue_log(settings: Settings, run_id: str, config: MetricsConfig) -> list[CallRecord]:
    entries = [e for e in read_file(settings.queue_log_file).entries if e.callid.startswith(run_id)]
    return to_records(entries, wrapup_s_by_queue=config.wrapup_s)


async def simulate(settings: Settings, spec: RunSpec, run_id: str, sub: str) -> None:
    ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
    await ami.start()
    try:
        await ami.wait_connected(15)
        sim = Simulation(
            ami=ami, spec=spec, calls=plan(spec, run_id=run_id), variables=[f"__CC_REC_SUB={sub}"]
        )
        try:
            await sim.run()
        finally:
            await sim.agents.logout_all()
        failed = [s.failed for s in sim.states if s.failed]
        if failed:
            print(f"{len(failed)} calls failed to start, e.g. {failed[0]}", file=sys.stderr)
    finally:
        await ami.stop()


def drained(db: Settings, spool: Path, run_id: str, entered: int) -> bool:
    """Every call that entered the queue is stored and ended, and the spool is empty."""
    if any(spool.iterdir()):
        return False
    got = stored(db, run_id)
    return got["calls"] >= entered and got["ended"] == got["calls"]


def queue_log_counts(settings: Settings, run_id: str) -> dict[str, int]:
    verbs: dict[str, int] = {}
    with settings.queue_log_file.open(errors="replace") as fh:
        for line in fh:
            parts = line.split("|")
            if len(parts) >= 5 and parts[1].startswith(run_id):
                verbs[parts[4]] = verbs.get(parts[4], 0) + 1
    return verbs


def extra_calls(settings: Settings, db: Settings, run_id: str) -> list[tuple[str, str]]:
    """Stored (call_id, queue) of the run that queue_log has no ENTERQUEUE for (first 10)."""
    logged = set()
    with settings.queue_log_file.open(errors="replace") as fh:
        for line in fh:
            parts = line.split("|")
            if len(parts) >= 5 and parts[1].startswith(run_id) and parts[4] == "ENTERQUEUE":
                logged.add((parts[1], parts[2]))
    engine = create_engine(db.sync_database_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                text("select call_id, queue from queue_calls where call_id like :p"),
                {"p": f"{run_id}%"},
            ).all()
    finally:
        engine.dispose()
    return sorted((r[0], r[1]) for r in rows if (r[0], r[1]) not in logged)[:10]


def twice(db: Settings, run_id: str) -> list[tuple[str, str, str]]:
    """The run's calls with more than one row: each row's source and entry time."""
    engine = create_engine(db.sync_database_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                text(
                    "select call_id, source, entered_at::text from queue_calls q where call_id"
                    " like :p and (select count(*) from queue_calls o where o.call_id = q.call_id"
                    " and o.queue = q.queue) > 1 order by call_id, entered_at limit 12"
                ),
                {"p": f"{run_id}%"},
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


def run_spec(args: argparse.Namespace, layout: centre.Centre) -> RunSpec:
    spec = RunSpec(
        calls=args.calls, rate=args.rate, queue=args.queue or layout.default_queue,
        agents=args.agents, patience=Distribution.parse(args.patience, name="patience"),
        ring=Distribution.parse(args.ring, name="ring"),
        talk=Distribution.parse(args.talk, name="talk"), seed=args.seed,
    )  # fmt: skip
    validate(spec, known_queues=layout.queue_names)
    return spec


def measure(
    spec: RunSpec, settings: Settings, db: Settings, pid: int, spool: Path, *, profiling: bool
) -> tuple[str, float, dict[str, float]]:
    """Run the calls; CPU seconds each process used from the first call until all is stored."""
    run_id = f"cpu{uuid.uuid4().hex[:6]}"
    pids = {
        "serve": pid,
        "asterisk": AsteriskService(settings).pid(),
        "weed": S3Service(settings).pid(),
    }
    if None in pids.values():
        raise RuntimeError(f"stack not running: {pids}")
    idle = cpu_s(pid)
    time.sleep(IDLE_S)
    print(f"serve idle: {(cpu_s(pid) - idle) / IDLE_S:.3f} CPU s per s")
    if profiling:
        os.kill(pid, signal.SIGUSR1)
    start = {name: cpu_s(p) for name, p in pids.items() if p}
    loop_start = main_thread_s(pid)
    t0 = time.monotonic()
    asyncio.run(simulate(settings, spec, run_id, spool.name))
    entered = queue_log_counts(settings, run_id).get("ENTERQUEUE", 0)
    deadline = time.monotonic() + DRAIN_S
    while not drained(db, spool, run_id, entered) and time.monotonic() < deadline:
        time.sleep(0.5)
    used = {name: cpu_s(p) - start[name] for name, p in pids.items() if p}
    used["serve loop"] = main_thread_s(pid) - loop_start
    if profiling:
        os.kill(pid, signal.SIGUSR2)
    return run_id, time.monotonic() - t0, used


def show_disagreements(mine: list[CallRecord], theirs: list[CallRecord], most: int = 12) -> None:
    """Print the calls whose stored figures differ from queue_log's (up to `most`)."""
    stored_by = {(r.call_id, r.queue): r for r in mine}
    shown = 0
    fields = ("outcome", "wait_s", "talk_s", "entered_at", "answered_at", "ended_at", "agent")
    for theirs_r in theirs:
        mine_r = stored_by.get((theirs_r.call_id, theirs_r.queue))
        pair = (mine_r, theirs_r)
        if mine_r is not None and all(
            getattr(mine_r, f) == getattr(theirs_r, f) for f in fields[:3]
        ):
            continue
        if shown == most:
            print("  ...")
            break
        shown += 1
        print(f"  {theirs_r.call_id}: stored vs queue_log")
        for f in fields:
            a, b = (getattr(r, f) if r is not None else "(none)" for r in pair)
            print(f"    {f:12s} {a!s:>22} {b!s:>22}{'  <-' if a != b else ''}")
    done = sum(r.finished for r in mine), sum(r.finished for r in theirs)
    print(f"  finished: stored {done[0]}, queue_log {done[1]}")


def verify(settings: Settings, db: Settings, run_id: str, config: MetricsConfig) -> bool:
    """Print and check what was stored of the run against queue_log."""
    verbs = queue_log_counts(settings, run_id)
    got = stored(db, run_id)
    want = {
        "calls": verbs.get("ENTERQUEUE", 0), "answered": verbs.get("CONNECT", 0),
        "ended": verbs.get("ENTERQUEUE", 0), "join_events": verbs.get("ENTERQUEUE", 0),
        "connect_events": verbs.get("CONNECT", 0), "verified": verbs.get("CONNECT", 0),
    }  # fmt: skip
    ok = True
    print("\nstored vs queue_log:")
    for key, expected in want.items():
        mark = "ok" if got[key] == expected else "MISSING"
        ok &= got[key] == expected
        print(f"  {key:15s} {got[key]:5d} / {expected:5d}  {mark}")
    if got["calls"] != want["calls"]:
        print(f"  stored calls queue_log does not have: {extra_calls(settings, db, run_id)}")
        print(f"  calls stored twice (source, entered_at): {twice(db, run_id)}")
    mine, theirs = stored_records(db, run_id), from_queue_log(settings, run_id, config)
    same = agree(mine, theirs)
    if not same:
        show_disagreements(mine, theirs)
    centre_kpi = kpi.compute(mine, config=config)["centre"]
    print(
        f"  KPIs from the stored calls equal queue_log's: {'ok' if same else 'NO'} "
        f"(offered {centre_kpi.get('offered')}, answered {centre_kpi.get('answered')})"
    )
    return ok and same


PROJECT = r"(callcenter|recordings|agent_ui|queue_metrics|ari_app)/"


def show_profile(path: Path, lines: int = 30) -> None:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(
        r"callcenter|recordings|agent_ui|queue_metrics", lines
    )
    print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=float, default=5.0, help="arrivals per second")
    parser.add_argument("--talk", default="20", help="talk seconds (or exp:MEAN, uniform:LO-HI)")
    parser.add_argument("--ring", default="2", help="agent ring delay, seconds")
    parser.add_argument("--patience", default="60", help="caller patience, seconds")
    parser.add_argument("--agents", type=int, default=99)
    parser.add_argument("--queue", default=None, help="default: the centre's general queue")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="run the service under cProfile")
    args = parser.parse_args()
    settings = get_settings()
    layout = centre.load(settings.conf_dir)
    spec = run_spec(args, layout)
    config = metrics_config(
        layout, sl_threshold_s=settings.sl_threshold_s, short_abandon_s=settings.short_abandon_s
    )
    spool = settings.spool_path / f"cpubench{uuid.uuid4().hex[:8]}"
    profile = Path(tempfile.mkdtemp()) / "serve.prof" if args.profile else None
    spool.mkdir()
    try:
        with own_database(settings) as db, service(db, spool, profile) as pid:
            run_id, wall, used = measure(spec, settings, db, pid, spool, profiling=bool(profile))
            ok = verify(settings, db, run_id, config)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    ratio = used["serve"] / used["asterisk"]
    print(f"\n{args.calls} calls at {args.rate:g}/s, talk {args.talk} s, {args.agents} agents,"
          f" over {wall:.0f} s{' (service under cProfile)' if profile else ''}:")  # fmt: skip
    for name, value in used.items():
        print(f"  {name:10s} {value:7.2f} CPU s")
    print(f"  serve / asterisk = {ratio:.3f}  (goal <= {GOAL:.2f})")
    if profile is not None:
        show_profile(profile)
        shutil.rmtree(profile.parent, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
