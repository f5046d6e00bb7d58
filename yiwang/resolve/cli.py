"""`yiwang evaluate`: entity resolution scored against the simulator's ground truth (`yiwang
resolve`, the stage on its own, is a warehouse command: yiwang/warehouse/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yiwang.cli_options import TargetOption


def evaluate_command(
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources", help="The simulator's output folder (with truth/).", show_default="$YIWANG_HOME/sources"
        ),
    ] = None,
    target: TargetOption = "duckdb",
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline/--no-baseline",
            help="Also dedupe the person mentions with plain Splink (standard comparisons, no Chinese "
            "handling) in the same run, as the yardstick (a minute at 50,000 people).",
        ),
    ] = True,
) -> None:
    """Score entity resolution against the simulator's ground truth: pairwise and B-cubed
    precision, recall and F1 per entity type, and a plain Splink baseline for persons."""
    from yiwang.resolve.evaluate import baseline_person_score, evaluate
    from yiwang.settings import workspace_dir

    console = Console()
    sources = sources or workspace_dir("sources")
    try:
        scores = evaluate(sources, target)
        if baseline:
            with console.status("plain Splink baseline on the person mentions…"):
                scores.append(baseline_person_score(sources, target))
    except (FileNotFoundError, LookupError) as error:
        console.print(f"[red]{error}")
        raise typer.Exit(2) from None
    table = Table(title="entity resolution against the ground truth")
    for name in ("entity", "mentions", "precision", "recall", "F1", "B³ precision", "B³ recall"):
        table.add_column(name, justify="left" if name == "entity" else "right")
    for s in scores:
        table.add_row(
            s.entity_type,
            f"{s.mentions:,}",
            *(
                f"{v:.4f}"
                for v in (s.pairwise_precision, s.pairwise_recall, s.pairwise_f1, s.bcubed_precision, s.bcubed_recall)
            ),
        )
    console.print(table)
