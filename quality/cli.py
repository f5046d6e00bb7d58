"""`yiwang check`, `yiwang quarantine`: thin commands (publish and rollback: yiwang/warehouse/cli.py)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from yiwang.cli_options import TargetOption
from yiwang.targets import attach, resolve_target


def _console() -> Console:
    """A console made per call, so it sees the terminal (or COLUMNS) as the command runs."""
    return Console()


def _table(result, failed_only: bool = False) -> None:
    """The pass/fail table; with `failed_only`, the failing checks and a line counting the rest."""
    from rich.markup import escape

    failed = len(result.failed)
    shown = result.failed if failed_only else result.checks
    table = Table(
        title=f"{result.gate} gate {result.run_id}: {'PASS' if result.ok else 'FAIL'}",
        caption=f"{len(result.checks)} checks: {len(result.checks) - failed} passed, {failed} failed"
        + (" (only the failures are listed; `yiwang check` lists all)" if failed_only and failed else ""),
    )
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for check in shown:
        table.add_row(check.name, "[green]pass[/]" if check.ok else "[red]FAIL[/]", check.detail[:160])
    if result.error:
        # the gate did not run to the end: its checks (often none) say nothing about the data
        _console().print(
            f"[red]{result.gate} gate {result.run_id}: could not run[/] ({len(result.checks)} checks ran): "
            f"{escape(result.error)}"
        )
        if shown:
            _console().print(table)
    elif shown:
        _console().print(table)
    else:
        _console().print(f"[green]{result.gate} gate {result.run_id}: all {len(result.checks)} checks passed[/]")
    _console().print(f"data docs: {result.docs}\nresults: {result.results_path}")


def check_command(
    gate: str = typer.Argument("warehouse", help="landing (each new source batch) or warehouse (the published one)"),
    target: TargetOption = "duckdb",
    recheck: bool = typer.Option(False, help="landing: check batches that already have a decision again."),
    failed_only: bool = typer.Option(False, help="Print only the failing checks."),
    release: str | None = typer.Option(
        None,
        help="landing: let a blocked table load again: PLATFORM.TABLE (every blocked batch) or "
        "PLATFORM.TABLE/RUN_ID (one); needs --reason. Does not run the gate.",
    ),
    reason: str | None = typer.Option(None, help="Why the blocked batches may load (kept in the decision)."),
) -> None:
    """Run a quality gate and print a pass/fail table; exit 1 when it fails or errors."""
    from quality import check_landing, check_warehouse

    if release is not None:
        _release(gate, release, reason)
        return

    result = check_landing(recheck=recheck) if gate == "landing" else check_warehouse(target)
    _table(result, failed_only)
    if not result.ok:
        raise typer.Exit(1)


def _release(gate: str, what: str, reason: str | None) -> None:
    from quality.landing_gate import release

    name, _, run_id = what.partition("/")
    platform, _, table = name.partition(".")
    if gate != "landing" or not platform or not table:
        _console().print("[red]--release goes with `check landing` and names PLATFORM.TABLE[/RUN_ID][/]")
        raise typer.Exit(2)
    if not reason or not reason.strip():
        _console().print("[red]--release needs --reason: what was checked and why the batches may load[/]")
        raise typer.Exit(2)
    released = release(platform, table, run_id or None, reason=reason)
    if not released:
        _console().print(f"nothing to release: {what} has no blocked batch")
        return
    for doc in released:
        problems = "; ".join(doc["released"]["problems"]) or "-"
        _console().print(f"released {name}/{doc['run_id']} (was: {problems})", highlight=False, soft_wrap=True)
    _console().print("the next `yiwang build` or `yiwang publish` loads them")


def quarantine_command(
    target: TargetOption = "duckdb",
    platform: str | None = typer.Option(None, help="Only this platform.", show_default="all"),
    rows: bool = typer.Option(False, help="List the rows, not the summary."),
    limit: int = typer.Option(50, help="Rows to list."),
) -> None:
    """Count (or list) the published warehouse's quarantined records by stage, platform and reason:
    landing (rows the connectors or the landing gate refused) and warehouse (landed records
    nothing can attach to). The run summary and the report show the same counts."""
    from quality.quarantine import counts

    con = attach(resolve_target(target), "wh", read_only=True)
    try:
        if rows:
            where = "where platform = ?" if platform else ""
            frame = con.execute(
                f"select * from wh.quality.quarantine {where} order by all limit {int(limit)}",  # noqa: S608
                [platform] if platform else [],
            ).df()
        else:
            frame = counts(con, "wh")
            if platform:
                frame = frame[frame["platform"] == platform]
    finally:
        con.close()
    title = "quarantine (隔离区)"
    if not rows:
        totals = frame.groupby("stage")["rows"].sum().to_dict() if len(frame) else {}
        title += ": " + ", ".join(f"{stage} {int(n):,}" for stage, n in totals.items()) if totals else ": none"
    table = Table(title=title)
    for column in frame.columns:
        # reason codes and values are read whole: wrap them, never cut them
        table.add_column(str(column), overflow="fold", justify="right" if column == "rows" else "left")
    for record in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in record])
    _console().print(table)
