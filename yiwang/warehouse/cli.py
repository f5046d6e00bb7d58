"""`yiwang build`, `yiwang publish`, `yiwang rollback`: the warehouse's commands.

`yiwang build` writes a candidate (yiwang.warehouse.publish.build_candidate), never the published
warehouse: only `yiwang publish` (build → gate → publish, yiwang/warehouse/flow.py) changes what
readers read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from yiwang.cli_options import TargetOption
from yiwang.targets import TARGETS
from yiwang.warehouse.progress import BuildProgress

if TYPE_CHECKING:  # the build (DuckDB, dbt) is imported when the command runs, not for --help
    from yiwang.warehouse.build import BuildResult
    from yiwang.warehouse.load import TableLoad


class RichBuildProgress(BuildProgress):
    def __init__(self, bars: Progress):
        self.bars = bars
        self.load_task: TaskID | None = None
        self.dbt_task: TaskID | None = None
        self.phase_task: TaskID | None = None
        self.phase_name = "dbt build"
        self.warnings: list[str] = []

    def start(self, tables: int) -> None:
        self.load_task = self.bars.add_task("raw load", total=tables)

    def table_done(self, result: TableLoad) -> None:
        self.bars.update(self.load_task, advance=1, description=f"raw load: {result.raw_table}")

    def phase(self, name: str) -> None:
        if self.phase_task is not None:
            self.bars.update(self.phase_task, description=f"[green]✓ {self.phase_name}")
        self.phase_name = name
        self.phase_task = None
        if not name.startswith("dbt"):  # entity resolution: no node count, an elapsed-time line
            self.phase_task = self.bars.add_task(name, total=None)

    def dbt_started(self, total: int) -> None:
        if self.load_task is not None:
            self.bars.update(self.load_task, description="[green]✓ raw load")
        self.dbt_task = self.phase_task = self.bars.add_task(self.phase_name, total=total)

    def node_finished(self, name: str, status: str) -> None:
        if self.dbt_task is not None:
            self.bars.update(self.dbt_task, advance=1, description=f"{self.phase_name}: {name}")

    def dbt_warning(self, message: str) -> None:
        self.warnings.append(message)


def summary_table(result: BuildResult) -> Table:
    table = Table(title=f"dbt build ({result.target})")
    for name in ("resource", "passed", "warned", "failed", "skipped"):
        table.add_column(name, justify="left" if name == "resource" else "right")
    for resource, counts in sorted(result.summary().items()):
        failed = counts["failed"]
        table.add_row(
            resource,
            str(counts["passed"]),
            str(counts["warned"]),
            f"[red]{failed}" if failed else "0",
            str(counts["skipped"]),
        )
    return table


def build_command(
    target: TargetOption = "duckdb",
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            "-s",
            help="dbt selection, passed through (staging, staging.hotline); repeatable.",
            show_default="the whole project",
        ),
    ] = None,
    load: Annotated[bool, typer.Option("--load/--no-load", help="Load new landing batches into raw.* first.")] = True,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for another build of this warehouse.")] = 0,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild every incremental table from the whole landing history.")
    ] = False,
) -> None:
    """Build a candidate warehouse: new landing batches into raw.*, then `dbt build` (models and
    tests). The published warehouse is not touched: `yiwang publish` gates and publishes."""
    from yiwang.warehouse.lock import WarehouseBusy
    from yiwang.warehouse.publish import PublishError, build_candidate

    console = Console()
    if target not in TARGETS:
        console.print(f"[red]unknown target {target!r}; use one of {', '.join(TARGETS)}")
        raise typer.Exit(2)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bars:
            progress = RichBuildProgress(bars)
            _candidate, result = build_candidate(
                target, select=select, load=load, wait_seconds=wait, progress=progress, full_refresh=full_refresh
            )
    except (WarehouseBusy, PublishError) as error:
        console.print(f"[red]{error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if result.disk_full:  # one line, not every model that could not write
        console.print(f"[red]{result.disk_full}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"candidate: {result.where} (not published)", highlight=False, soft_wrap=True)
    if result.load is not None:
        console.print(
            f"raw load: {result.load.batches_loaded} new batches, {result.load.rows_loaded:,} rows "
            f"in {result.load.seconds:.1f} s"
        )
    for message in progress.warnings:
        console.print(f"[yellow]dbt: {message}", highlight=False)
    if result.nodes:
        console.print(summary_table(result))
    if result.resolution is not None:
        console.print(f"entity resolution: {result.resolution.summary()}", highlight=False, soft_wrap=True)
    console.print(
        f"built in {result.seconds:.1f} s (dbt {result.dbt_seconds:.1f} s, resolution {result.resolve_seconds:.1f} s)"
    )
    for node in result.failed:
        console.print(
            f"[red]FAILED {node.resource_type} {node.unique_id}[/red]: {node.message}", highlight=False, soft_wrap=True
        )
    if result.error:
        console.print(f"[red]dbt did not run: {result.error}", highlight=False, soft_wrap=True)
    if not result.ok:
        console.print("the published warehouse is unchanged; the failed candidate is removed by the next run")
        raise typer.Exit(1)
    console.print(
        "the published warehouse is unchanged: `yiwang publish` builds, gates and publishes "
        "(this candidate is removed by the next run)"
    )


def _gate_failures(gate) -> None:
    """The failing checks of the warehouse gate (`yiwang check` prints the whole table)."""
    console = Console()
    failed = gate.failed
    if gate.error:
        console.print(f"[red]warehouse gate {gate.run_id}: could not run[/]: {gate.error}", highlight=False)
    if failed:
        table = Table(
            title=f"warehouse gate {gate.run_id}: FAIL",
            caption=f"{len(gate.checks)} checks, {len(failed)} failed (`yiwang check` lists all)",
        )
        for column in ("check", "result", "detail"):
            table.add_column(column, overflow="fold" if column == "detail" else "ellipsis")
        for check in failed:
            table.add_row(check.name, "[red]FAIL[/]", check.detail[:160])
        console.print(table)
    elif not gate.error:
        console.print(f"[green]warehouse gate {gate.run_id}: all {len(gate.checks)} checks passed[/]")
    console.print(f"data docs: {gate.docs}\nresults: {gate.results_path}")


def resolve_command(target: TargetOption = "duckdb") -> None:
    """Resolve persons, houses, legal entities and matters from the published warehouse's mention
    models into schema `resolution` of a new candidate (the build's second stage on its own); the
    published warehouse is never written."""
    from yiwang.warehouse.build import resolve_entities
    from yiwang.warehouse.lock import WarehouseBusy
    from yiwang.warehouse.publish import PublishError, new_candidate

    console = Console()
    try:
        with new_candidate(target) as where, console.status("resolving entities (实体解析)…"):
            staged = resolve_entities(where)
    except (WarehouseBusy, PublishError) as error:
        console.print(f"[red]{error}")
        raise typer.Exit(1) from None
    result = staged.resolution
    if result is None or not staged.ok:
        console.print(f"[red]{staged.error or 'entity resolution failed'}")
        raise typer.Exit(2)
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


def publish_command(
    target: TargetOption = "duckdb",
    landing_gate: Annotated[bool, typer.Option(help="Run the landing gate on new batches first.")] = True,
    accept_drift: Annotated[
        bool, typer.Option(help="An intended big change: drift from the published version is reported, not blocking.")
    ] = False,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild every incremental table from the whole landing history.")
    ] = False,
) -> None:
    """Write-audit-publish: build a candidate, gate it, publish it atomically when it passes."""
    from yiwang.warehouse.flow import check_landing, publish

    console = Console()
    if landing_gate:
        landing = check_landing()
        if landing.blocked:
            console.print(f"[yellow]landing gate blocked (those tables keep their previous data):[/] {landing.blocked}")
    result = publish(target, accept_drift=accept_drift, build_options={"full_refresh": full_refresh})
    if result.gate is not None:
        _gate_failures(result.gate)
    if result.published:
        console.print(f"[green]published[/] {result.run_id} → {result.where} (kept as {result.version_path})")
        return
    from connectors.credentials import redact

    console.print(f"[red]not published[/]: {redact(str(result.error))}; the previous version keeps serving")
    raise typer.Exit(1)


def rollback_command(
    run_id: Annotated[
        str | None, typer.Argument(help="A kept version's run id.", show_default="the one before the current")
    ] = None,
    target: TargetOption = "duckdb",
    list_versions: Annotated[bool, typer.Option("--list", help="List the kept versions and exit.")] = False,
) -> None:
    """Serve a previously published version again (atomic rename; one transaction on PostgreSQL)."""
    from yiwang.warehouse.publish import rollback, versions

    console = Console()
    if list_versions:
        for entry in versions(target):
            console.print(f"{'*' if entry.get('current') else ' '} {entry['run_id']}  {entry['published_at']}")
        return
    chosen = rollback(target, run_id)
    console.print(f"now serving {chosen['run_id']} (published {chosen['published_at']})")
