"""`yiwang demo`: the whole pipeline on embedded defaults, for a newcomer's first run.

Today it simulates a tiny city (about 2,000 people), extracts all four platforms into the
landing zone and builds the warehouse's staging layer on DuckDB; the later stages (marts,
entity resolution, quality gates, sharing) join this command as they land.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yiwang.settings import SUBDIRS, workspace_dir


def run_demo(home: Path, console: Console, persons: int | None = None) -> bool:
    """Fresh demo workspace at `home`: simulate, serve the party API, extract. True when all landed."""
    from connectors import extract, load_registry, select_tables
    from connectors.cli import RichProgress, counts_table
    from yiwang.simulate import simulate
    from yiwang.simulate.party_api import api_db_path, running

    os.environ["YIWANG_HOME"] = str(home)
    for name in SUBDIRS:
        os.environ.pop(f"YIWANG_{name.upper()}_DIR", None)
        shutil.rmtree(workspace_dir(name), ignore_errors=True)
    sources = workspace_dir("sources")
    console.rule("[bold]1. simulate the legacy platforms (仿真四个平台)")
    with console.status("simulating a tiny city (绍兴市)…"):
        result = simulate(sources, scale="tiny", persons=persons)
    console.print(f"{result.persons:,} people; {sum(result.rows.values()):,} source rows in {result.seconds:.1f} s")
    for platform, where in result.stores.items():
        console.print(f"  {platform}: {where}")

    console.rule("[bold]2. extract into the landing zone (抽取落地)")
    token = secrets.token_urlsafe(24)  # the demo's own API token; never printed
    with running(api_db_path(sources), token=token) as server:
        os.environ["YIWANG_PARTY_API_URL"] = server.base_url
        os.environ["YIWANG_PARTY_API_TOKEN"] = token
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as bars:
            results = extract(select_tables(load_registry(), None), progress=RichProgress(bars))
    console.print(counts_table(results))
    ok = all(r.status == "ok" for r in results)

    console.rule("[bold]3. build the warehouse (dbt on DuckDB, 数据底座)")
    from yiwang.warehouse.build import build
    from yiwang.warehouse.cli import RichBuildProgress, summary_table

    with Progress(*columns, console=console) as bars:
        built = build("duckdb", progress=RichBuildProgress(bars))
    console.print(summary_table(built))
    for node in built.failed:
        console.print(f"[red]failed:[/red] {node.name}")
    ok = ok and built.ok
    console.print(f"warehouse: {built.where} ({built.seconds:.0f} s)")
    console.rule("[bold]done")
    console.print(f"landing zone: {workspace_dir('landing')}   cursors and key indexes: {workspace_dir('state')}")
    console.print(
        "Next stages (warehouse marts, entity resolution, quality gates, sharing) are not built yet; "
        "see the issues. Run [bold]yiwang simulate --day 2[/bold] then [bold]yiwang extract[/bold] "
        f"with YIWANG_HOME={home} to land a day of changes."
    )
    return ok
