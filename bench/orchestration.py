"""Share of a pipeline run spent in orchestration: Airflow's total minus the stages' own time.

    python -m bench.orchestration [--persons N] [--runs K]

Simulates a city once, then K times: a fresh workspace with those sources, `yiwang run` in a
new process (every DAG through dag.test(): extract per platform, warehouse, sharing). Each
task's runtime records its stage's own seconds (yiwang/orchestrate/runtime.py); the DAG runs'
wall time minus those is what Airflow itself cost (task set-up, state in the metadata DB, XCom,
callbacks). Two shares are reported, medians over the runs:

- `dags`: of the DAG runs' wall time (what a scheduled deployment pays per run);
- `dags_share_without_imports`: the same, not counting the time each task spends importing its
  stage's modules (dbt, DuckDB, …), which a task process pays whoever schedules it;
- `process`: of the whole command, including Airflow's import and metadata set-up (paid once
  per `yiwang run`, not per scheduled run).

Goal: orchestration under 10% of a run (the `dags` share).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(sources: Path, work: Path) -> dict:
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(sources, home / "sources")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env["YIWANG_HOME"] = str(home)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "yiwang.cli", "run"], env=env, capture_output=True, text=True)
    total = time.perf_counter() - started
    summary = json.loads((home / "airflow" / "last_run.json").read_text())
    if done.returncode != 0 and summary["dags"].get("yiwang_warehouse") != "success":
        raise RuntimeError(f"yiwang run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    dags = sum(summary["dag_seconds"].values())
    stages = sum(summary["stage_seconds"].values())
    imports = sum(summary["import_seconds"].values())
    return {
        "import_seconds": imports,
        "dags_share_without_imports": (dags - stages - imports) / dags,
        "process_seconds": total,
        "dag_seconds": dags,
        "stage_seconds": stages,
        "dags_share": (dags - stages) / dags,
        "process_share": (total - stages) / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from yiwang.simulate import simulate

    with tempfile.TemporaryDirectory(prefix="yw-bench-orch-") as tmp:
        work = Path(tmp)
        sources = work / "sources"
        simulate(sources, persons=args.persons)
        runs = [one_run(sources, work) for _ in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"orchestration share, {args.persons:,} people, median of {args.runs} runs")
    print(f"  DAG runs {med['dag_seconds']:.1f} s, stages {med['stage_seconds']:.1f} s: share {med['dags_share']:.1%}")
    print(
        f"  of which the stages' own imports (dbt, DuckDB, connectors) {med['import_seconds']:.1f} s: "
        f"share without them {med['dags_share_without_imports']:.1%}"
    )
    whole = f"{med['process_seconds']:.1f} s: share {med['process_share']:.1%}"
    print(f"  whole `yiwang run` {whole} (with Airflow start-up)")
    print("  goal: under 10% of the DAG runs:", "met" if med["dags_share"] < 0.10 else "NOT met")
    print(json.dumps({"persons": args.persons, "runs": runs, "median": med}))


if __name__ == "__main__":
    main()
