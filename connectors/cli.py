"""`yiwang extract [--source NAME] [--full]`: land every configured table, then show the counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.progress import Progress as ProgressEvents

if TYPE_CHECKING:  # the pipeline (pyarrow, drivers) is imported when the command runs, not for --help
    from connectors.pipeline import TableResult
    from connectors.registry import TableConfig


class RichProgress(ProgressEvents):
    def __init__(self, bars: Progress):
        self.bars = bars
        self.tasks: dict[str, int] = {}

    def start(self, cfg: TableConfig, total: int | None) -> None:
        if cfg.name not in self.tasks:
            self.tasks[cfg.name] = self.bars.add_task(cfg.name, total=total)
        elif total is not None:
            self.bars.update(self.tasks[cfg.name], total=total)

    def advance(self, cfg: TableConfig, rows: int) -> None:
        self.bars.advance(self.tasks[cfg.name], rows)

    def finish(self, cfg: TableConfig, result: TableResult) -> None:
        task = self.tasks.get(cfg.name)
        if task is None:
            task = self.tasks[cfg.name] = self.bars.add_task(cfg.name, total=0)
        mark = "[green]✓" if result.status == "ok" else "[red]✗"
        self.bars.update(task, description=f"{mark} {cfg.name}")
        if result.status == "ok":
            self.bars.update(task, total=self.bars.tasks[task].completed)


def counts_table(results: list[TableResult]) -> Table:
    table = Table(title="Extraction (source = landed + quarantined + unchanged + duplicates)")
    for name in (
        "platform",
        "table",
        "source",
        "landed",
        "quarantined",
        "unchanged",
        "inserts",
        "updates",
        "deletes",
        "status",
    ):
        numeric = name not in ("platform", "table", "status")
        table.add_column(name, justify="right" if numeric else "left")
    for r in results:
        c = r.counts
        if r.status == "ok":
            status = "[green]reconciled" if r.reconciled else "[red]NOT reconciled"
            row = [
                str(c["source"]),
                str(c["landed"] + c["detected_deletes"]),
                str(c["quarantined"]),
                str(c["unchanged"] + c["duplicates"]),
                str(c["insert"]),
                str(c["update"]),
                str(c["delete"]),
            ]
        else:
            status, row = "[red]failed", ["-"] * 7
        table.add_row(r.platform, r.table, *row, status)
    return table


def extract_command(
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="A platform (hotline) or one table (hotline.t_gd_lzjl).", show_default="all tables"
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Ignore saved cursors: read everything again (unchanged rows still land nothing).",
        ),
    ] = False,
) -> None:
    """Copy the legacy platforms into the landing zone: one Parquet batch per table and run."""
    from connectors.pipeline import extract
    from connectors.registry import load_registry, select_tables

    console = Console()
    try:
        tables = select_tables(load_registry(), source)
    except KeyError as error:
        console.print(f"[red]{error.args[0]}")
        raise typer.Exit(2) from None
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        results = extract(tables, full=full, progress=RichProgress(bars))
    console.print(counts_table(results))
    for r in results:
        if r.status != "ok":
            console.print(f"[red]{r.platform}.{r.table}[/red]: {r.error}", markup=True, highlight=False)
    if any(r.status != "ok" for r in results):
        raise typer.Exit(1)
