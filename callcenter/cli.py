"""`callcenter` command line: stack, serve, simulate, users, db."""

from __future__ import annotations

import sys

import typer

from callcenter.callbacks.cli import callbacks_command
from callcenter.cases.cli import app as cases_app
from callcenter.kpi.cli import kpi_command
from callcenter.prompts.cli import app as prompts_app
from callcenter.reports.cli import app as report_app
from callcenter.simulate.cli import demo_command, sim_agents_command, simulate_command
from callcenter.social.cli import app as social_app
from callcenter.stack.cli import app as stack_app
from callcenter.users.cli import app as users_app
from recordings.cli import app as recordings_app

app = typer.Typer(
    help="1212 contact-centre backend on Asterisk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(stack_app, name="stack", help="Local real stack: Asterisk, PostgreSQL, S3.")
app.add_typer(users_app, name="users", help="Users and roles.")
app.add_typer(cases_app, name="cases", help="Complaint cases: maintenance.")
app.add_typer(recordings_app, name="recordings", help="Recordings catalogue and disposal.")
app.add_typer(social_app, name="social", help="Social listening: sentiment evaluation.")
app.add_typer(prompts_app, name="prompts", help="IVR prompts: catalogue, missing, upload, render.")
app.add_typer(report_app, name="report", help="Report packs (PowerPoint, Excel) of a period.")
app.command("simulate", help="Drive simulated callers and agents through the real Asterisk.")(
    simulate_command
)
app.command("demo", help="The centre at work: its agents, all queues, a compressed day.")(
    demo_command
)
app.command("kpi", help="kpi-v1.1 figures of a period (checked against queue_log).")(kpi_command)
app.command("callbacks", help="Callback tasks of dropped callers (timestamps, attempts).")(
    callbacks_command
)
app.command("sim-agents", help="Log simulated agents in/out, pause or unpause them (AMI).")(
    sim_agents_command
)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="Bind address (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default 8000)."),
) -> None:
    """Run the HTTP service (API, websockets, AMI consumer, ARI app)."""
    import uvicorn

    from agent_ui.ws_server import UVICORN_WS
    from callcenter.config import get_settings
    from callcenter.main import create_app

    settings = get_settings()
    if not settings.jwt_secret.get_secret_value():
        typer.echo(
            "error: CALLCENTER_JWT_SECRET is not set (run `callcenter stack up` to generate "
            "secrets, or export it)",
            err=True,
        )
        raise typer.Exit(2)
    uvicorn.run(
        create_app(settings),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level="info",
        **UVICORN_WS,
    )


@app.command("migrate")
def migrate() -> None:
    """Create the database if missing and apply every Alembic migration."""
    from callcenter import migrate as m
    from callcenter.config import get_settings

    settings = get_settings()
    m.prepare(settings)
    typer.echo("database is at the newest revision")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
