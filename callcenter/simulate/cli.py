"""`callcenter simulate`: callers and agents through the real Asterisk, over AMI."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from callcenter import centre
from callcenter.cli_support import err, fail
from callcenter.config import Settings, get_settings
from callcenter.simulate.agents import SimAgents, interface
from callcenter.simulate.runner import TRACKED, Simulation, simulator_ami
from callcenter.simulate.spec import Distribution, RunSpec, SpecError, plan, validate


def _layout(settings: Settings) -> centre.Centre:
    try:
        return centre.load(settings.conf_dir)
    except ValueError as exc:
        fail(f"cannot read the centre layout: {exc}", code=2)


def simulate_command(
    calls: int = typer.Option(1, help="Calls to place."),
    rate: float | None = typer.Option(
        None, help="Poisson arrivals per second (default: all at once)."
    ),
    queue: str | None = typer.Option(None, help="Queue (default: the general queue)."),
    agents: int = typer.Option(5, help="Simulated agents logged in to the queue."),
    patience: str = typer.Option("60", help="Caller patience: S, exp:MEAN or uniform:LO-HI."),
    ring: str = typer.Option("2", help="Agent ring delay before answering (same forms)."),
    talk: str = typer.Option("10", help="Talk time (same forms)."),
    seed: int = typer.Option(1, help="Random seed: the same seed gives the same run."),
    entry: str = typer.Option("queue", help="'queue' (straight in) or 'ivr' (through 1212)."),
    queue_timeout: int | None = typer.Option(None, help="Max seconds in queue (EXITWITHTIMEOUT)."),
    paused: int = typer.Option(0, help="Pause this many of the agents (reason 'break')."),
    keep_agents: bool = typer.Option(False, help="Leave the simulated agents logged in."),
    json_out: bool = typer.Option(False, "--json", help="Print what was done as JSON."),
) -> None:
    """Place calls, wait until every one has ended, report."""
    settings = get_settings()
    layout = _layout(settings)
    try:
        spec = RunSpec(
            calls=calls,
            rate=rate,
            queue=queue or layout.default_queue,
            agents=agents,
            patience=Distribution.parse(patience, name="patience"),
            ring=Distribution.parse(ring, name="ring"),
            talk=Distribution.parse(talk, name="talk"),
            seed=seed,
            entry=entry,
            queue_timeout_s=queue_timeout,
        )
        validate(spec, known_queues=layout.queue_names)
    except SpecError as exc:
        fail(str(exc), code=2)
    try:
        report = asyncio.run(
            _run(settings, spec, layout.ivr_digits(), paused=paused, keep=keep_agents)
        )
    except (ConnectionError, TimeoutError, PermissionError) as exc:
        fail(
            f"cannot drive Asterisk over AMI: {exc}",
            code=1,
            hint="Is the stack up? Try: callcenter stack up",
        )
    if json_out:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        o = report["outcomes"]
        err.print(
            f"{report['calls_placed']} calls placed into {spec.queue}: "
            f"{o['answered']} answered, {o['unanswered']} unanswered, {o['failed']} failed"
        )


async def _run(
    settings: Settings, spec: RunSpec, digits: dict[str, str], *, paused: int, keep: bool
) -> dict[str, Any]:
    ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
    await ami.start()
    try:
        await ami.wait_connected(10)
        run_id = f"sim{spec.seed}-{uuid.uuid4().hex[:6]}"
        sim = Simulation(ami=ami, spec=spec, calls=plan(spec, run_id=run_id), ivr_digits=digits)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            placed = progress.add_task("placed", total=spec.calls)
            ended = progress.add_task("ended ", total=spec.calls)

            def update(n_placed: int, n_ended: int) -> None:
                progress.update(placed, completed=n_placed)
                progress.update(ended, completed=n_ended)

            await sim.run(on_progress=update, paused=paused)
        if not keep:
            await sim.agents.logout_all()
        return _report(spec, run_id, sim)
    finally:
        await ami.stop()


def _report(spec: RunSpec, run_id: str, sim: Simulation) -> dict[str, Any]:
    states = sim.states
    outcomes = {k: sum(1 for s in states if s.outcome == k) for k in ("answered", "unanswered")}
    outcomes["failed"] = sum(1 for s in states if s.failed)
    return {
        "run_id": run_id,
        "seed": spec.seed,
        "queue": spec.queue,
        "entry": spec.entry,
        "calls_placed": sum(1 for s in states if s.placed),
        "calls_ended": sum(1 for s in states if s.ended),
        "outcomes": outcomes,
        "settings": {
            "rate": spec.rate,
            "patience": str(spec.patience),
            "queue_timeout_s": spec.queue_timeout_s,
        },
        "agents": {"count": spec.agents, "ring": str(spec.ring), "talk": str(spec.talk)},
        "calls": [s.as_dict() for s in states],
    }


AGENT_ACTIONS = ("login", "pause", "unpause", "logout")


def sim_agents_command(
    action: str = typer.Argument(..., help="login | pause | unpause | logout"),
    queue: str | None = typer.Option(None, help="Queue (default: the general queue)."),
    count: int = typer.Option(1, help="Simulated agents 1..COUNT the action applies to."),
    reason: str = typer.Option("break", help="Pause reason code."),
) -> None:
    """Log simulated agents in or out, pause or unpause them (QueueAdd/QueuePause/QueueRemove)."""
    settings = get_settings()
    layout = _layout(settings)
    target = queue or layout.default_queue
    if action not in AGENT_ACTIONS:
        fail(f"unknown action {action!r}; use one of: {', '.join(AGENT_ACTIONS)}", code=2)
    if target not in layout.queue_names:
        fail(f"unknown queue {target!r}; known queues: {', '.join(layout.queue_names)}", code=2)
    if not 1 <= count <= 99:
        fail(f"--count must be between 1 and 99 (got {count})", code=2)
    try:
        asyncio.run(_agents(settings, action=action, queue=target, count=count, reason=reason))
    except (ConnectionError, TimeoutError, PermissionError, RuntimeError) as exc:
        fail(f"cannot drive Asterisk over AMI: {exc}", code=1)
    err.print(f"{action}: simulated agents 1..{count} in {target}")


async def _agents(settings: Settings, *, action: str, queue: str, count: int, reason: str) -> None:
    ami = simulator_ami(settings, event_filter=lambda _: False)
    await ami.start()
    try:
        await ami.wait_connected(10)
        agents = SimAgents(ami=ami, queue=queue)
        present = await agents.members()
        for n in range(1, count + 1):
            logged_in = interface(n) in present
            if action == "login" and not logged_in:
                await agents.login(n)
            elif action == "pause" and logged_in:
                await agents.pause(n, reason=reason)
            elif action == "unpause" and logged_in:
                await agents.unpause(n)
            elif action == "logout" and logged_in:
                await agents.logout(n)
    finally:
        await ami.stop()


def demo_command(
    day: float = typer.Option(1200.0, help="Seconds one demo day (08:00-20:00) lasts."),
    days: int = typer.Option(0, help="Days to play (0: until Ctrl-C)."),
    load: float = typer.Option(1.0, help="Scales the calls of the day's shape."),
    seed: int = typer.Option(1, help="Random seed: the same seed gives the same days."),
    exclude: list[str] = typer.Option(
        ["agent01"], help="Agents left out (a person uses them at the desk)."
    ),
    cases: float = typer.Option(0.3, help="Share of answered calls the agents file as cases."),
    report: float = typer.Option(10.0, help="Seconds between status lines."),
) -> None:
    """The 1212 centre at work: its agents, all queues, breaks, after-call work, cases."""
    from callcenter.simulate.demo import DemoOptions, run_demo  # the DB layers load only here

    settings = get_settings()
    layout = _layout(settings)
    if day < 60 or not 0 < load <= 5 or not 0 <= cases <= 1 or days < 0:
        fail("--day must be 60 s or more, --load in (0, 5], --cases in [0, 1], --days >= 0", code=2)
    unknown = sorted(set(exclude) - {a.id for a in layout.agents})
    if unknown:
        fail(f"--exclude: no agent {', '.join(unknown)} in centre.toml", code=2)
    opts = DemoOptions(
        day_s=day, days=days, load=load, seed=seed, exclude=tuple(exclude),
        case_share=cases, report_s=report,
    )  # fmt: skip
    try:
        asyncio.run(run_demo(settings, layout, opts, lambda line: err.print(line, markup=False)))
    except (ConnectionError, TimeoutError, PermissionError) as exc:
        fail(f"cannot drive Asterisk over AMI: {exc}", code=1, hint="Try: callcenter stack up")
    except KeyboardInterrupt:
        pass
