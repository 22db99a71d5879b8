"""`callcenter report daily|weekly|monthly|annual --period …`: build a pack into a folder."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from callcenter import centre
from callcenter.cli_support import database, fail
from callcenter.config import Settings, get_settings
from callcenter.errors import InvalidInput
from callcenter.kpi import service as kpi_service
from callcenter.reconcile.service import Reconciler
from callcenter.reports import build as pack_build
from callcenter.reports import periods
from callcenter.reports.sources import sources
from queue_metrics import intervals
from queue_metrics.config import MetricsConfig

app = typer.Typer(no_args_is_help=True)


def _command(kind: periods.Kind) -> None:
    def command(
        period: str = typer.Option(..., help=f"The period: {periods.FORMS[kind]}."),
        lang: str = typer.Option("th", help="th (Buddhist Era dates) or en."),
        out: Path = typer.Option(Path("."), help="Folder the files are written to."),
    ) -> None:
        settings = get_settings()
        try:
            if lang not in ("th", "en"):
                raise InvalidInput(f"--lang is th or en, not {lang!r}")
            chosen = periods.parse(kind, period)
            layout = centre.load(settings.conf_dir)
            config = kpi_service.metrics_config(
                layout, sl_threshold_s=settings.sl_threshold_s,
                short_abandon_s=settings.short_abandon_s,
            )  # fmt: skip
            tz = intervals.zone(config.tz)
            periods.check_finished(chosen, datetime.now(tz), tz)
            out.mkdir(parents=True, exist_ok=True)
            written = asyncio.run(_build(settings, config, chosen, lang, out))
        except InvalidInput as exc:
            fail(exc.message, code=2)
        except (OSError, ConnectionError) as exc:
            fail(f"cannot build the pack: {exc}", code=1)
        for path in written:
            Console().print(str(path), markup=False, highlight=False)

    command.__doc__ = f"Build the {kind.value} pack of a period (PowerPoint and Excel files)."
    app.command(kind.value)(command)


async def _build(
    settings: Settings,
    config: MetricsConfig,
    period: periods.Period,
    lang: str,
    out: Path,
) -> list[Path]:
    async with database(settings) as sessions:
        reconciler = Reconciler(settings=settings, sessions=sessions, config=config)
        src = sources(settings, sessions=sessions, reconciler=reconciler, config=config)
        columns = (
            TextColumn("{task.description:<24}"), BarColumn(),
            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
        )  # fmt: skip
        with Progress(*columns, console=Console(stderr=True)) as bar:
            task = bar.add_task(
                f"{period.kind.value} {period.name}", total=pack_build.steps(period.kind)
            )
            pack = await pack_build.build(
                src, period, lang=lang, built_at=datetime.now(src.tz),
                progress=lambda step: bar.update(task, advance=1, description=step),
            )  # fmt: skip
    written = []
    for f in pack.files:
        path = out / f.name
        path.write_bytes(f.content)
        written.append(path)
    if not pack.complete:
        Console(stderr=True).print(
            "warning: the period's KPIs are not complete (queue_log disagrees); page one says so",
            style="yellow", markup=False, highlight=False,
        )  # fmt: skip
    return written


for _kind in periods.Kind:
    _command(_kind)
