"""`yiwang resolve` and `yiwang evaluate`: entity resolution on its own, and its score against
the simulator's ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yiwang.cli_options import TargetOption


def resolve_command(target: TargetOption = "duckdb") -> None:
    """Resolve persons, houses, legal entities and matters from the published warehouse's
    intermediate layer into schema `resolution` of a new candidate (`yiwang build` runs this
    between intermediate and marts); the published warehouse is never written."""
    from yiwang.resolve import resolve
    from yiwang.warehouse.lock import WarehouseBusy
    from yiwang.warehouse.publish import PublishError, new_candidate

    console = Console()
    try:
        with new_candidate(target) as where, console.status("resolving entities (实体解析)…"):
            result = resolve(where)
    except (WarehouseBusy, PublishError) as error:
        console.print(f"[red]{error}")
        raise typer.Exit(1) from None
    except LookupError as error:
        console.print(f"[red]{error}")
        raise typer.Exit(2) from None
    table = Table(title=f"entity resolution ({where.describe()})")
    table.add_column("entity")
    table.add_column("mentions", justify="right")
    table.add_column("entities", justify="right")
    for kind, counts in result.counts.items():
        table.add_row(kind, f"{counts['mentions']:,}", f"{counts['entities']:,}")
    console.print(table)
    console.print(
        f"conflicts: {result.conflicts:,}; keys retired this run: {result.retired_keys:,}; {result.seconds:.1f} s"
    )


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
