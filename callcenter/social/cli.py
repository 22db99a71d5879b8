"""`callcenter social …`: the social desk's offline tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from callcenter.social import evaluate as evaluation

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
