"""Callbacks under load: 1,000 drops due inside one minute, dialled through the real Asterisk.

The service runs in this process (as `callcenter serve` would, its own fresh database)
with the dialer's outgoing context set to `sim-customers` (every customer answers,
talks ~3 s and hangs up) and AGENTS simulated agents (`Local/7NNN@agents/n`, ring 2 s)
logged into one queue. Drops are written into `queue_calls` at their moment, spread
evenly over SPREAD seconds, exactly as the live pipeline stores them; the detector,
APScheduler's job store and the agent-first dialer do the rest.

Printed per task, from the drop (the earliest moment a callback is possible):
- agent rung: when the dialer claimed the task and rang an agent (the service's own delay);
- first dial: when the dialplan dialled the caller (agent rung + the agent's 2 s ring);
p50/p99 of both, the share first dialled within the window, and the throughput.

Baseline, same run, same Asterisk: bare AMI Originates of the same legs (agent leg into
`[callback-agent]`, caller dialled and bridged), AGENTS at a time, no database and no
scheduler. Ratio = service throughput / bare throughput while both are agent-bound.

    .venv/bin/python benchmarks/callbacks.py [--calls 1000] [--spread 60] [--agents 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import time
import uuid
from typing import Any

import _root  # noqa: F401  (before any project import: see _root.py)
from sqlalchemy import select

from callcenter import migrate
from callcenter.ami.client import AmiClient
from callcenter.callbacks.models import CallbackEvent, CallbackTask
from callcenter.calls import service as calls_service
from callcenter.config import Settings, get_settings
from callcenter.main import create_app
from callcenter.simulate.agents import interface
from callcenter.simulate.runner import simulator_ami
from queue_metrics.records import CallRecord, Outcome

QUEUE = "illegal-websites"
PREFIX = "0868"
FIRST_AGENT = 300  # sim-agent-300.. : clear of the tests' agents


def number(i: int) -> str:
    """The i-th dropped caller: ends in 0, so the simulated phone answers."""
    return f"{PREFIX}{i:05d}0"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def agents_in(sim: AmiClient, count: int) -> None:
    """Our agents (cbbench-N: other runs' sim-agent clean-ups spare them) in the queue."""
    for n in range(FIRST_AGENT, FIRST_AGENT + count):
        await sim.action(
            {"Action": "QueueAdd", "Queue": QUEUE, "Interface": interface(n),
             "MemberName": f"cbbench-{n}"}
        )  # fmt: skip


async def agents_out(sim: AmiClient, count: int) -> None:
    for n in range(FIRST_AGENT, FIRST_AGENT + count):
        with contextlib.suppress(Exception):  # already gone
            await sim.action({"Action": "QueueRemove", "Queue": QUEUE, "Interface": interface(n)})


async def feed_drops(app: Any, calls: int, spread: float) -> float:
    """Write `calls` drops at their moments over `spread` seconds; returns the start time."""
    start = time.time()
    sent = 0
    while sent < calls:
        due = min(calls, int((time.time() - start) / spread * calls) + 1)
        batch = []
        for i in range(sent, due):
            now = time.time()
            call_id = f"cbbench-{uuid.uuid4().hex[:10]}"
            batch.append(
                CallRecord(
                    call_id=call_id,
                    linkedid=call_id,
                    queue=QUEUE,
                    entered_at=now - 20,
                    caller=number(i),
                    outcome=Outcome.timeout,
                    wait_s=20,
                    ended_at=now,
                )
            )
        if batch:
            async with app.state.services.sessions() as session, session.begin():
                await calls_service.upsert(session=session, records=batch, source="ami")
        sent = due
        await asyncio.sleep(0.05)
    return start


async def service_run(settings: Settings, calls: int, spread: float, agents: int) -> dict[str, Any]:
    app = create_app(settings)
    mine = [number(i) for i in range(calls)]
    async with app.router.lifespan_context(app):
        await app.state.services.ami.wait_connected(15)
        await app.state.services.callbacks.dialer._ami.wait_connected(15)
        start = await feed_drops(app, calls, spread)
        deadline = time.monotonic() + spread + 600
        while time.monotonic() < deadline:
            async with app.state.services.sessions() as session:
                # Only ours: other traffic on the shared Asterisk may drop calls here too.
                query = select(CallbackTask).where(CallbackTask.number.in_(mine))
                tasks = (await session.scalars(query)).all()
            closed = [t for t in tasks if t.state not in ("pending", "dialing", "retry_wait")]
            if len(tasks) >= calls and len(closed) == len(tasks):
                break
            await asyncio.sleep(1)
        end = time.time()
        async with app.state.services.sessions() as session:
            rung = {
                e.task_id: e.at
                for e in (
                    await session.scalars(
                        select(CallbackEvent).where(CallbackEvent.kind == "dialing")
                    )
                ).all()
            }
        max_in_flight = app.state.services.callbacks.dialer.max_in_flight
    first = [(t.first_dial_at - t.dropped_at).total_seconds() for t in tasks if t.first_dial_at]
    ring = [(rung[t.id] - t.dropped_at).total_seconds() for t in tasks if t.id in rung]
    within = sum(1 for x in first if x <= settings.callback_window_s)
    busy_s = max(t.closed_at.timestamp() for t in tasks if t.closed_at) - start
    return {
        "tasks": len(tasks), "reached": sum(1 for t in tasks if t.state == "reached"),
        "first": first, "ring": ring, "within": within, "elapsed_s": end - start,
        "rate": len(first) / busy_s, "max_in_flight": max_in_flight,
    }  # fmt: skip


async def bare_run(settings: Settings, legs: int, agents: int) -> float:
    """Same legs by bare AMI Originate, `agents` at a time; legs per second."""
    ami = AmiClient(
        host=settings.ami_host, port=settings.ami_port, username=settings.ami_user,
        secret=settings.ami_secret.get_secret_value(), action_timeout_s=60,
        event_filter="UserEvent".__eq__,
    )  # fmt: skip
    await ami.start()
    await ami.wait_connected(15)
    done: dict[str, asyncio.Future[None]] = {}

    async def listen() -> None:
        while True:
            event = await ami.events.get()
            future = done.get(event.get("Task", ""))
            if event.get("UserEvent") == "CallbackResult" and future and not future.done():
                future.set_result(None)

    listener = asyncio.create_task(listen())
    free: asyncio.Queue[int] = asyncio.Queue()
    for n in range(FIRST_AGENT, FIRST_AGENT + agents):
        free.put_nowait(n)

    async def leg(i: int) -> None:
        n = await free.get()
        key = f"-{i + 1}"  # negative task ids: the service's dialer ignores them
        done[key] = asyncio.get_running_loop().create_future()
        try:
            await ami.action(
                {
                    "Action": "Originate", "Channel": interface(n), "Context": "callback-agent",
                    "Exten": "s", "Priority": "1", "Timeout": "20000", "Async": "true",
                    "Variable": [f"CB_TASK={key}", "CB_ATTEMPT=1",
                                 f"CB_NUMBER={PREFIX}9{i:05d}0", f"CB_QUEUE={QUEUE}",
                                 "CB_OUT=sim-customers", "CB_RING=10"],
                },
                as_list=True,
            )  # fmt: skip
            await asyncio.wait_for(done[key], timeout=60)
        finally:
            free.put_nowait(n)

    start = time.monotonic()
    await asyncio.gather(*(leg(i) for i in range(legs)), return_exceptions=True)
    elapsed = time.monotonic() - start
    listener.cancel()
    await ami.stop()
    return legs / elapsed


async def main(args: argparse.Namespace) -> int:
    base = get_settings()
    url = base.database_url.rsplit("/", 1)[0] + f"/callcenter_cbbench_{uuid.uuid4().hex[:8]}"
    settings = base.model_copy(
        update={
            "database_url": url, "callback_out_context": "sim-customers",
            "callback_retry_offsets_s": "0,600,1200", "callback_number_pattern": PREFIX + r"\d{6}",
            "callback_poll_s": 0.5, "callback_member_pattern": r"cbbench-\d+",
        }
    )  # fmt: skip
    migrate.ensure_database(settings.sync_database_url)
    migrate.upgrade(settings.sync_database_url)
    sim = simulator_ami(settings, event_filter=lambda _: False)
    await sim.start()
    await sim.wait_connected(15)
    await agents_in(sim, args.agents)
    try:
        print(f"service: {args.calls} drops over {args.spread:.0f} s, {args.agents} agents …")
        got = await service_run(settings, args.calls, args.spread, args.agents)
        print(f"bare AMI Originate: {args.bare} legs, {args.agents} at a time …")
        bare = await bare_run(settings, args.bare, args.agents)
    finally:
        await agents_out(sim, args.agents)
        await sim.stop()
        migrate.drop_database(settings.sync_database_url)
    first, ring = got["first"], got["ring"]
    print(f"tasks {got['tasks']}, reached {got['reached']}, max callbacks in flight "
          f"{got['max_in_flight']} (agents {args.agents})")  # fmt: skip
    if first:
        print(f"lateness, agent rung:  p50 {pct(ring, 50):6.2f} s  p99 {pct(ring, 99):6.2f} s")
        print(f"lateness, first dial:  p50 {pct(first, 50):6.2f} s  p99 {pct(first, 99):6.2f} s"
              f"  (incl. the agent's 2 s ring; mean {statistics.mean(first):.2f} s)")  # fmt: skip
    share = got["within"] / max(1, got["tasks"]) * 100
    print(f"first dialled within the {settings.callback_window_s:.0f} s window: {share:.1f} %")
    print(f"throughput: service {got['rate']:.2f} callbacks/s, bare originate {bare:.2f} legs/s, "
          f"ratio {got['rate'] / bare:.2f}")  # fmt: skip
    return 0 if got["tasks"] == args.calls else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--bare", type=int, default=200)
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parser.parse_args())))
