"""`callcenter social …`: the social desk's offline tools."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from sqlalchemy.exc import SQLAlchemyError

from callcenter.cli_support import database, fail, print_json
from callcenter.config import Settings, get_settings
from callcenter.social import evaluate as evaluation
from callcenter.social import model
from callcenter.social.connectors import Backoff
from callcenter.social.model import MIN_LABELS, NotEnoughLabels, Trained
from callcenter.social.poller import Outcome, SocialPoller, connector_factory

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


@app.command("evaluate")
def evaluate(
    path: Annotated[
        Path, typer.Argument(help="JSON lines with text and label")
    ] = evaluation.HELDOUT,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Sentiment accuracy and confusion matrix on a labelled set (Thai by default)."""
    try:
        examples = evaluation.load(path)
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"error: cannot read {path}: {exc}", err=True)
        raise typer.Exit(1) from None
    result = evaluation.evaluate(examples)
    if as_json:
        matrix = {g.value: {p.value: result.confusion[(g, p)] for p in evaluation.LABELS}
                  for g in evaluation.LABELS}  # fmt: skip
        typer.echo(json.dumps({
            "total": result.total, "accuracy": round(result.accuracy, 4),
            "baseline": round(result.baseline, 4), "majority": result.majority_label.value,
            "confusion": matrix,
        }))  # fmt: skip
    else:
        typer.echo(result.report())


@app.command("train")
def train(
    heldout: Annotated[
        Path, typer.Option(help="JSON lines with text and label to measure on")
    ] = evaluation.HELDOUT,
    min_labels: Annotated[int, typer.Option(min=10, help="Staff labels needed")] = MIN_LABELS,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Train a Thai sentiment model from staff's corrected labels; it is used only when it
    beats the lexicon on the held-out set (accuracy and confusion matrix of both shown)."""
    try:
        examples = evaluation.load(heldout)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read {heldout}: {exc}", code=1)
    try:
        done = asyncio.run(_train(get_settings(), examples, min_labels))
    except NotEnoughLabels as exc:
        fail(f"not enough labels to train / ป้ายกำกับยังไม่พอ: {exc}", code=1)
    except (OSError, SQLAlchemyError) as exc:
        fail(f"cannot reach the database: {exc}", code=1)
    if as_json:
        print_json({
            "model_id": done.row_id, "labels": done.labels, "heldout": done.model.total,
            "accuracy": round(done.model.accuracy, 4),
            "lexicon_accuracy": round(done.lexicon.accuracy, 4), "active": done.active,
            "confusion": done.model.matrix(), "lexicon_confusion": done.lexicon.matrix(),
        })  # fmt: skip
        return
    verdict = ("the model is used for Thai mentions / ใช้โมเดลนี้จัดข้อความภาษาไทย" if done.active
               else "the lexicon stays / ยังใช้พจนานุกรมและกฎเดิม")  # fmt: skip
    typer.echo("\n".join([
        f"labels / ป้ายกำกับจากเจ้าหน้าที่: {done.labels}",
        f"model / โมเดล (held-out {done.model.total}): accuracy {done.model.accuracy:.3f}",
        done.model.table(), "",
        f"lexicon / พจนานุกรม: accuracy {done.lexicon.accuracy:.3f}",
        done.lexicon.table(), "", verdict,
    ]))  # fmt: skip


async def _train(settings: Settings, heldout: list[evaluation.Example], min_labels: int) -> Trained:
    async with database(settings) as sessions:
        return await model.train(sessions=sessions, heldout=heldout, now=datetime.now(UTC),
                                 min_labels=min_labels)  # fmt: skip


@app.command("poll")
def poll(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """One listening round now over every active source that is due (what the poller does)."""
    try:
        outcomes = asyncio.run(_poll(get_settings()))
    except (OSError, SQLAlchemyError) as exc:
        fail(f"cannot reach the database: {exc}", code=1)
    if as_json:
        print_json([{"source": o.source, "new": o.new, "error": o.error} for o in outcomes])
        return
    if not outcomes:
        typer.echo("no source is due / ไม่มีแหล่งข้อมูลที่ถึงรอบ")
    for o in outcomes:
        status = f"error / ผิดพลาด: {o.error}" if o.error else "ok"
        typer.echo(f"{o.source}: {o.new} new / ใหม่ {o.new} รายการ · {status}")


async def _poll(settings: Settings) -> list[Outcome]:
    async with (
        database(settings) as sessions,
        httpx.AsyncClient(timeout=settings.social_http_timeout_s, follow_redirects=True) as client,
    ):
        poller = SocialPoller(
            sessions=sessions, connector_for=connector_factory(settings, client),
            interval_s=settings.social_poll_s, backoff=Backoff(base_s=settings.social_backoff_s),
        )  # fmt: skip
        return await poller.poll_once()
