"""The `yiwang simulate` command (and `yiwang simulate serve`)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from yiwang.settings import workspace_dir

cli = typer.Typer(
    help="Simulate one city's legacy platforms (数字城管, 12345, 综治网格, 智慧党建) with realistic mess.",
    invoke_without_command=True,
    no_args_is_help=False,
)
console = Console()


@cli.callback()
def simulate_command(
    ctx: typer.Context,
    scale: str = typer.Option("tiny", help="tiny (~2,000 people), small (~50,000) or city (~1,000,000)."),
    persons: int | None = typer.Option(None, help="Exact number of people instead of a named scale."),
    seed: int = typer.Option(20261101, help="Random seed: the same seed gives the same city."),
    day: int = typer.Option(
        1,
        help="Simulation day. 1 creates the stores; N > 1 applies the changes since the last day written.",
    ),
    out: Path = typer.Option(None, help="Folder for the stores and ground truth.", show_default="$YIWANG_HOME/sources"),
    target_db: str = typer.Option(
        "sqlite",
        "--target-db",
        help="Where the SQL platforms go: sqlite (embedded files), postgres, mariadb, or native "
        "(urban management and grid platform on PostgreSQL, the hotline on MariaDB).",
    ),
    mess: Path | None = typer.Option(None, help="YAML overriding the mess shares (see yiwang/simulate/mess.yml)."),
) -> None:
    """Write the four platforms of a simulated city (绍兴市) and its ground truth.

    Examples:
      yiwang simulate --scale tiny --out var/demo/sources
      yiwang simulate --day 2 --out var/demo/sources
      yiwang simulate --target-db postgres
    """
    if ctx.invoked_subcommand is not None:
        return
    from yiwang.simulate.write_day import SimulationError, simulate

    out = out or workspace_dir("sources")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("simulating", total=None)
        try:
            result = simulate(
                out,
                scale=scale,
                persons=persons,
                seed=seed,
                day=day,
                target=target_db,
                mess_path=mess,
                progress=lambda msg: bar.update(task, description=msg),
            )
        except SimulationError as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2) from error
    table = Table(title=f"Day {result.day}: {result.persons:,} people, seed {result.seed} ({result.seconds:.1f} s)")
    for col in ("platform.table", "rows", "inserted", "updated", "deleted"):
        table.add_column(col, justify="left" if col == "platform.table" else "right")
    for key, n in result.rows.items():
        c = result.changes.get(key, {})
        table.add_row(key, f"{n:,}", *(f"{c.get(k, 0):,}" for k in ("inserted", "updated", "deleted")))
    console.print(table)
    for name, where in result.stores.items():
        console.print(f"  {name}: {where}")
    console.print(f"  ground truth: {result.out_dir / 'truth'} (tests and benchmarks only)")


@cli.command()
def serve(
    out: Path = typer.Option(None, help="The simulation folder.", show_default="$YIWANG_HOME/sources"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8765, help="Port to listen on."),
) -> None:
    """Serve the party-building web API (智慧党建接口) from a simulation folder.

    The bearer token comes from YIWANG_PARTY_API_TOKEN (never from the command line).
    """
    from yiwang.simulate.party_api import serve as serve_api

    token = os.environ.get("YIWANG_PARTY_API_TOKEN", "")
    if not token:
        console.print("[red]error:[/red] set YIWANG_PARTY_API_TOKEN to the token clients must send")
        raise typer.Exit(2)
    serve_api(out or workspace_dir("sources"), host, port, token)
