"""`yiwang run` (the Airflow DAGs end to end in one process, see local_run.py), `yiwang runs` (history)
and `yiwang airflow` (the real Airflow UI on the same workspace, see airflow_ui.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer


def run_command(
    dags: Annotated[
        list[str] | None,
        typer.Argument(
            help="DAGs to run, in pipeline order: a DAG id, a kind (extract, warehouse, sharing) or a platform. "
            "Omitted: all."
        ),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option("--home", "-w", help="The workspace (sets YIWANG_HOME; unset: ./var/yiwang).", file_okay=False),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="The warehouse DAG rebuilds every incremental table (its param).")
    ] = False,
) -> None:
    """Run the Airflow DAGs end to end in this process (dag.test(), SQLite metadata under the workspace)."""
    if workspace is not None:
        os.environ["YIWANG_HOME"] = str(workspace)
    from yiwang.orchestrate.local_run import main

    try:
        succeeded = main(dags=dags, conf={"full_refresh": True} if full_refresh else None)
    except ValueError as error:  # an unknown DAG name: say which exist
        raise typer.BadParameter(str(error), param_hint="DAGS") from None
    if not succeeded:
        raise typer.Exit(1)


def runs_command(
    run_id: Annotated[
        str | None, typer.Argument(help="A run id (or its start) to show task by task; omitted: the list.")
    ] = None,
    dag: Annotated[str | None, typer.Option("--dag", "-d", help="Only DAGs whose id contains this.")] = None,
    last: Annotated[int, typer.Option("--last", "-n", help="How many of the newest DAG runs to list.", min=1)] = 20,
) -> None:
    """Run history (运行记录): each DAG run's tasks, durations, counts, gate results and version."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from yiwang.orchestrate.history import dag_runs, find
    from yiwang.settings import local_time as when

    console = Console()
    if run_id is None:
        runs = dag_runs(dag)[-last:]
        if not runs:
            console.print("no runs recorded in this workspace yet: `yiwang run` (or the Airflow scheduler) writes them")
            return
        table = Table(title="DAG runs, newest last (times on the city's clock)")
        for column in ("finished", "DAG", "run id", "status", "seconds", "tasks"):
            table.add_column(column, overflow="fold")
        for r in runs:
            colour = "green" if r.status == "success" else "red"
            tasks = "; ".join(f"{t.task_id}: {t.outcome}" for t in r.tasks)
            table.add_row(
                when(r.finished_at), r.dag_id, r.run_id, f"[{colour}]{r.status}", f"{r.seconds:,.1f}", escape(tasks)
            )
        console.print(table)
        return
    matched = find(run_id)
    if not matched:
        console.print(f"[red]no DAG run with the id {escape(run_id)}[/red]: `yiwang runs` lists them")
        raise typer.Exit(1)
    for r in matched:
        table = Table(title=f"{r.dag_id} {r.run_id}: {r.status}")
        for column in ("task", "status", "seconds", "finished", "outcome"):
            table.add_column(column, overflow="fold")
        for t in r.tasks:
            table.add_row(t.task_id, t.status, f"{t.seconds:,.1f}", when(t.finished_at), escape(t.outcome))
        console.print(table)


def airflow_command(
    workspace: Annotated[
        Path | None,
        typer.Option("--home", "-w", help="The workspace (sets YIWANG_HOME; unset: ./var/yiwang).", file_okay=False),
    ] = None,
    host: Annotated[str, typer.Option(help="The address the UI listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The UI's port.", min=1, max=65535)] = 8080,
) -> None:
    """The Airflow UI (界面) on the workspace: api-server, scheduler and dag-processor; Ctrl-C stops them."""
    if workspace is not None:
        os.environ["YIWANG_HOME"] = str(workspace)
    from yiwang.orchestrate.airflow_ui import main

    if not main(host=host, port=port):
        raise typer.Exit(1)
