"""`yiwang extract [--source NAME] [--full] [--accept-short TABLE]`: land every configured table,
then show the counts and one line per failed table saying what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
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
        if r.status == "ok" and r.note:
            status, row = f"[yellow]{r.note}", ["-"] * 7
        elif r.status == "ok":
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
        else:  # held: schema drift, nothing landed (the reason is printed below the table)
            status, row = ("[yellow]held" if r.status == "held" else "[red]failed"), ["-"] * 7
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
    accept_short: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-short",
            help="A table (party_building.members) or platform whose dropped file you confirm as complete "
            "although it ends without a line break or holds fewer rows than min_row_ratio; repeatable.",
        ),
    ] = None,
) -> None:
    """Copy the legacy platforms into the landing zone: one Parquet batch per table and run."""
    from connectors.pipeline import extract
    from connectors.registry import RegistryError, load_registry, select_tables

    console = Console()
    try:
        registry = load_registry()
        tables = select_tables(registry, source)
        for name in accept_short or ():
            select_tables(registry, name)  # a typo must not pass silently
    except KeyError as error:
        console.print(f"[red]{error.args[0]}", highlight=False)
        raise typer.Exit(2) from None
    except RegistryError as error:
        console.print(f"[red]the registry is invalid:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        results = extract(tables, full=full, progress=RichProgress(bars), accept_short=tuple(accept_short or ()))
    console.print(counts_table(results))
    for r in results:
        c = r.counts or {}
        if r.status == "held":
            console.print(f"[yellow]{r.platform}.{r.table} held[/yellow]: {escape(r.error)}", highlight=False)
        elif r.status != "ok":
            error = r.error or "failed"
            prefix = f"{r.platform}.{r.table}: "
            error = error[len(prefix) :] if error.startswith(prefix) else error
            console.print(f"[red]{r.platform}.{r.table}[/red]: {escape(error)}", highlight=False, soft_wrap=True)
        elif c.get("held_keys") or c.get("deletes_withheld"):
            console.print(
                f"{r.platform}.{r.table}: {c.get('held_keys', 0)} key(s) kept at their last good version "
                f"(their rows are quarantined), {c.get('deletes_withheld', 0)} delete(s) withheld",
                highlight=False,
            )
    if any(r.status != "ok" for r in results):
        raise typer.Exit(1)
