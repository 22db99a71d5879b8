"""`callcenter stack up | down | status | env`: the local real stack."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.status import Status
from rich.table import Table

from callcenter.centre import load as load_centre
from callcenter.config import SECRETS_FILE, get_settings
from callcenter.stack.errors import StackError
from callcenter.stack.exports import export_lines
from callcenter.stack.manager import StackManager, Step, require_root
from callcenter.stack.render import render_all, render_context, write_config
from callcenter.stack.secrets import apply_secrets, ensure_secrets

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
err = Console(stderr=True)


def _manager() -> StackManager:
    """A manager for the current environment's settings."""
    return StackManager(get_settings())


def _run_steps(steps: list[Step]) -> bool:
    """Run steps with a spinner each; print ✓/✗ lines; True when all succeeded."""
    ok = True
    for step in steps:
        started = time.monotonic()
        try:
            with err.status(step.label) as spinner:
                result = step.run(_updater(spinner, step.label))
        except StackError as exc:
            err.print(f"[red]✗[/] {step.label}: {exc}")
            ok = False
            if step.required:
                return False
            continue
        err.print(
            f"[green]✓[/] {step.label}: {result} [dim]({time.monotonic() - started:.1f} s)[/]"
        )
    return ok


def _updater(spinner: Status, label: str) -> Callable[[str], None]:
    """A progress callback that rewrites the spinner's text."""

    def update(message: str) -> None:
        spinner.update(f"{label}: {message}")

    return update


def _fail(message: str) -> NoReturn:
    """Print an error and exit non-zero."""
    err.print(f"[red]error:[/] {message}")
    raise typer.Exit(1)


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so cleanup (unmounts, partial installs) still runs."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


@app.command("up")
def up() -> None:
    """Install (first time) and start PostgreSQL, S3 (SeaweedFS) and Asterisk 22."""
    _exit_on_sigterm()
    try:
        require_root("up")
        manager = _manager()
    except StackError as exc:
        _fail(str(exc))
    started = time.monotonic()
    with manager.locked(on_wait=err.print):
        ok = _run_steps(manager.up_steps())
    err.print(f"[dim]stack up took {time.monotonic() - started:.1f} s[/]")
    if not ok:
        raise typer.Exit(1)


@app.command("down")
def down() -> None:
    """Stop what the stack started (Asterisk, weed; PostgreSQL only if it started it)."""
    try:
        require_root("down")
        manager = _manager()
    except StackError as exc:
        _fail(str(exc))
    with manager.locked(on_wait=err.print):
        ok = _run_steps(manager.down_steps())
    if not ok:
        raise typer.Exit(1)


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show each service: state, endpoint, pid (exit 0 even when something is down)."""
    try:
        report = _manager().status()
    except StackError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    Console().print(_status_table(report))


def _status_table(report: dict[str, dict[str, Any]]) -> Table:
    """A rich table: one row per service, details in the last column."""
    table = Table(title="callcenter stack")
    for column in ("service", "state", "endpoint", "pid", "details"):
        table.add_column(column)
    for name, info in report.items():
        colour = "green" if info["state"] == "up" else "red"
        details = ", ".join(
            f"{k}={v}" for k, v in info.items() if k not in ("state", "endpoint", "pid")
        )
        table.add_row(
            name,
            f"[{colour}]{info['state']}[/]",
            info["endpoint"],
            str(info["pid"] or "-"),
            details,
        )
    return table


@app.command("env")
def env() -> None:
    """Print `export CALLCENTER_…` lines: eval "$(callcenter stack env)"."""
    try:
        settings = get_settings()
        manager = StackManager(settings)
        data = ensure_secrets(manager.paths.secrets_file)
        lines = export_lines(apply_secrets(settings, data))
    except (StackError, OSError) as exc:
        _fail(str(exc))
    typer.echo("\n".join(lines))


@app.command("render-conf")
def render_conf(
    out: Path = typer.Option(..., "--out", help="Directory to write the Asterisk config into."),
) -> None:
    """Render asterisk_conf/ with the secrets into OUT (docker-compose's conf-init uses it)."""
    settings = get_settings()
    secrets = ensure_secrets(settings.state_dir / SECRETS_FILE)
    merged = apply_secrets(settings, secrets)
    try:
        centre = load_centre(merged.conf_dir)
        context = render_context(settings=merged, secrets=secrets, centre=centre)
    except ValueError as exc:
        _fail(str(exc))
    try:
        files = render_all(context=context, templates_dir=merged.conf_dir)
        changed = write_config(files=files, dest=out)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    err.print(f"rendered {len(files)} files into {out} ({len(changed)} changed)")
