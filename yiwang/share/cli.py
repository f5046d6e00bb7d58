"""`yiwang share`: department exports and platform fix lists from the published warehouse."""

from __future__ import annotations

import json

import typer

from yiwang.cli_options import TargetOption


def share_command(
    department: str | None = typer.Option(
        None, "--department", help="One department id (subscriptions.yml).", show_default="all"
    ),
    dataset: list[str] = typer.Option(
        [], "--dataset", help="Only these datasets (marts); beyond the grant is refused.", show_default="all granted"
    ),
    target: TargetOption = "duckdb",
) -> None:
    """Share the published warehouse (数据共享): masked exports per department, fix lists per platform."""
    from yiwang.audit import AuditError
    from yiwang.share import ShareRefused, share
    from yiwang.share.config import ConfigError
    from yiwang.share.masking import MissingKeyError

    try:
        result = share(department, datasets=dataset or None, target=target)
    except (ShareRefused, ConfigError, MissingKeyError, FileNotFoundError, AuditError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    if not result.ok:
        raise typer.Exit(1)
