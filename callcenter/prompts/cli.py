"""`callcenter prompts`: the IVR's prompt catalogue (list, what is missing, upload, render)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from callcenter.cli_support import fail, print_json, print_table
from callcenter.config import get_settings
from callcenter.errors import AppError
from callcenter.ivrconf import LANGUAGES
from callcenter.prompts import catalogue, service
from recordings.storage import make_minio

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command("list")
def list_prompts(
    only_missing: bool = typer.Option(
        False, "--missing", help="Only the prompts with no uploaded recording, per language."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Each prompt per language: recording (uploaded), placeholder (spoken by espeak-ng), none."""
    settings = get_settings()
    try:
        rows = service.states(settings, make_minio(settings))
    except (AppError, ValueError) as exc:
        fail(str(exc), code=2)
    if only_missing:
        missing = catalogue.missing(rows)
        if as_json:
            print_json(missing)
            return
        for language in LANGUAGES:
            names = ", ".join(missing[language]) or "–"
            typer.echo(f"{language}: {len(missing[language])} missing: {names}")
        return
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    table = Table(title="IVR prompts (placeholder = not a real recording yet)")
    for column in ("id", "language", "state", "text"):
        table.add_column(column)
    for row in rows:
        state = row.state.upper() if row.state == catalogue.PLACEHOLDER else row.state
        table.add_row(row.id, row.language, state, row.text)
    print_table(table)


@app.command("upload")
def upload(
    prompt_id: str = typer.Argument(..., metavar="ID", help="A prompt id of prompts.toml."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A WAV or MP3 file."),
    lang: str = typer.Option(..., "--lang", help="th or en."),
) -> None:
    """Convert a recording with sox, store it in S3 and put it where Asterisk plays it."""
    settings = get_settings()
    try:
        key = service.upload(settings, make_minio(settings), prompt_id, lang, file)
    except (AppError, ValueError) as exc:
        fail(str(exc), code=2)
    typer.echo(f"{prompt_id} ({lang}) stored as {key} and rendered in {settings.prompts_path}")


@app.command("render")
def render() -> None:
    """Render every prompt into the sounds folder: uploads from S3, else placeholders."""
    settings = get_settings()
    try:
        counts = service.render_all(settings, make_minio(settings))
    except (AppError, ValueError) as exc:
        fail(str(exc), code=2)
    typer.echo(", ".join(f"{k}={v}" for k, v in counts.items()))
