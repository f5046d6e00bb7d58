"""`make bi` (python -m yiwang.bi): Superset on the published PostgreSQL warehouse, read-only.

Sets up Superset's own environment if missing, grants the read-only role, migrates Superset's
metadata (SQLite under <workspace>/bi), creates the admin, imports the dashboards, serves, and
prints the URL and the login. Ctrl-C stops it."""

from __future__ import annotations

import signal
from pathlib import Path

import psycopg
import typer
from rich.console import Console

from yiwang import settings
from yiwang.bi.superset import (
    BI_ROLE,
    BI_SCHEMA,
    BIError,
    SupersetSettings,
    ensure_env,
    grant_reader,
    reader_url,
    wait_until_healthy,
)
from yiwang.bi.superset import start as start_superset
from yiwang.targets import resolve_target

console = Console()
app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def grant(
    role: str = typer.Option(BI_ROLE, help="read-only login role to create or update"),
    password_env: str = typer.Option(
        "", help="environment variable holding the role's password (empty: leave the password as it is)"
    ),
) -> None:
    """Grant the read-only BI role the published marts only (run as the warehouse's owner)."""
    import os

    target = resolve_target("postgres")
    password = os.environ[password_env] if password_env else None
    grant_reader(target.postgres_conninfo(), role, password)
    console.print(f"{role} reads schema {BI_SCHEMA} of {target.describe()}, read-only")


@app.command()
def serve(
    port: int = typer.Option(8088, help="Superset's port"),
    host: str = typer.Option("127.0.0.1", help="address to listen on (0.0.0.0 for the whole network)"),
    role: str = typer.Option(BI_ROLE, help="read-only login role Superset reads the warehouse as"),
    workspace: Path | None = typer.Option(None, help="Superset's metadata and secrets (default <YIWANG_HOME>/bi)"),
) -> None:
    """Start Superset on the published PostgreSQL warehouse (YIWANG_WAREHOUSE_POSTGRES_URL)."""
    target = resolve_target("postgres")
    try:
        with psycopg.connect(target.postgres_conninfo(), autocommit=True) as conn:
            published = conn.execute("select 1 from pg_namespace where nspname = %s", [BI_SCHEMA]).fetchone()
    except psycopg.OperationalError as error:
        raise typer.BadParameter(f"cannot reach the PostgreSQL warehouse {target.describe()}: {error}") from error
    if not published:
        console.print(
            f"[red]no schema {BI_SCHEMA} in {target.describe()}[/red]: publish the warehouse first "
            "(yiwang publish --target postgres); Superset reads the published marts only."
        )
        raise typer.Exit(2)
    workspace = (workspace or settings.home() / "bi").resolve()
    workspace.mkdir(parents=True, exist_ok=True)
    reader = SupersetSettings(workspace, reader_url="", port=port, host=host, workers=2)
    reader_password = reader.kept_secret("reader_password", None)
    grant_reader(target.postgres_conninfo(), role, reader_password)
    reader.reader_url = reader_url(target.postgres_url or "", role, reader_password)
    console.print("Superset's environment (.venv-bi) ...")
    bin_dir = ensure_env()
    log = workspace / "superset.log"
    console.print(f"bootstrap: migrate, admin, dashboards, database (log: {log}) ...")
    process = start_superset(reader, bin_dir, log)
    try:
        wait_until_healthy(reader, process)
    except BIError as error:
        process.terminate()
        console.print(f"[red]{error}[/red]; see {log}")
        raise typer.Exit(1) from error
    console.print(
        f"Superset: [bold]{reader.base_url}/superset/dashboard/city-governance/[/bold]  "
        f"login [bold]admin[/bold] / [bold]{reader.admin_password}[/bold] (kept in {workspace / 'admin_password'})\n"
        f"it reads {target.describe()} as {role}, schema {BI_SCHEMA} only. Ctrl-C stops it."
    )
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    app()
