"""`yiwang run`: the pipeline's Airflow DAGs end to end in one process (see yiwang/orchestrate/run.py)."""

from __future__ import annotations

import typer


def run_command() -> None:
    """Run the Airflow DAGs end to end in this process (dag.test(), SQLite metadata under the workspace)."""
    from yiwang.orchestrate.run import main

    if not main():
        raise typer.Exit(1)
