"""`yiwang report`: the static HTML run report."""

from __future__ import annotations

from pathlib import Path

import typer

from yiwang.cli_options import TargetOption


def report_command(
    out: Path | None = typer.Option(None, help="Output file.", show_default="$YIWANG_HOME/reports/<run id>.html"),
    target: TargetOption = "duckdb",
) -> None:
    """Write the run report (运行报告) from the published warehouse."""
    from yiwang.report import write_report

    try:
        path = write_report(target=target, out=out)
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(str(path))
