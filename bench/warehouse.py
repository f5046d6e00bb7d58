"""`python -m bench.warehouse [--persons N] [--runs K]`: the dbt build of the warehouse at city scale.

Setup (once, not timed): simulate a city of N people, extract every platform into the landing
zone and run one full `yiwang build` on DuckDB (raw load, seeds, staging, intermediate, entity
resolution, marts), so the `resolution` tables the marts read exist.

Then each run, in a fresh process (wall time and peak memory, max RSS):
- `dbt build`: the whole project (seeds, every model with its enforced contract, every test),
  as phases 1 and 3 of `yiwang build` run it, without the raw load and the resolver;
- `dbt run`: the models only;
- direct: the same SQL with no dbt: each model's compiled SELECT (target/compiled/, from the
  `dbt run` above) executed as `create or replace table ... as ...` in dependency order in ONE
  DuckDB connection with the same UDFs and spatial extension (the baseline, same run, same data).

Reports medians; `ratio_run_to_direct` is dbt's overhead on the same SQL (threads, contracts,
temp tables and renames, adapter round trips); `ratio_build_to_direct` adds the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench._measure import in_subprocess, summary

TOKEN = "bench-warehouse-token"


def setup(home: str, persons: int) -> dict:
    """Simulate, extract and build once into YIWANG_HOME=home; returns the counts."""
    os.environ["YIWANG_HOME"] = home
    from connectors import extract, load_registry, select_tables
    from yiwang.simulate import simulate
    from yiwang.simulate.party_api import api_db_path, running
    from yiwang.warehouse.build import build

    sources = Path(home) / "sources"
    simulate(sources, persons=persons)
    with running(api_db_path(sources), token=TOKEN) as server:
        os.environ["YIWANG_PARTY_API_URL"] = server.base_url
        os.environ["YIWANG_PARTY_API_TOKEN"] = TOKEN
        results = extract(select_tables(load_registry(), None))
    failed = [f"{r.platform}.{r.table}: {r.error}" for r in results if r.status != "ok"]
    if failed:
        raise RuntimeError(f"extraction failed: {failed}")
    result = build("duckdb")
    if not result.ok:
        raise RuntimeError(f"setup build failed: {result.error or [(n.name, n.message) for n in result.failed]}")
    return {"models": result.summary().get("model", {}).get("passed", 0), "build_seconds": result.seconds}


def dbt_command(home: str, command: str) -> dict:
    """`dbt <command>` of the whole project on the built DuckDB warehouse at home."""
    os.environ["YIWANG_HOME"] = home
    from yiwang.targets import resolve_target
    from yiwang.warehouse.build import run_dbt

    nodes, error = run_dbt(resolve_target("duckdb"), command)
    failed = [n.name for n in nodes if n.status in ("error", "fail", "runtime error")]
    if error or failed:
        raise RuntimeError(f"dbt {command} failed: {error or failed}")
    return {"nodes": len(nodes)}


def _models_in_order(manifest: dict) -> list[dict]:
    """The manifest's SQL models, each after the models it reads (topological order)."""
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    done: set[str] = set()
    order: list[dict] = []

    def visit(key: str) -> None:
        if key in done:
            return
        done.add(key)
        for parent in models[key]["depends_on"]["nodes"]:
            if parent in models:
                visit(parent)
        order.append(models[key])

    for key in sorted(models):
        visit(key)
    return order


def direct(home: str) -> dict:
    """The compiled SQL of every model, run in one DuckDB connection (no dbt)."""
    os.environ["YIWANG_HOME"] = home
    import duckdb

    from yiwang.duckdb_connection import load_extensions
    from yiwang.normalize import register_duckdb_udfs
    from yiwang.targets import resolve_target
    from yiwang.warehouse.build import dbt_work_dir

    target = resolve_target("duckdb")
    compiled = dbt_work_dir(target) / "target"
    manifest = json.loads((compiled / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(target.duckdb_path))
    try:
        load_extensions(con, "spatial")
        register_duckdb_udfs(con)
        count = 0
        for node in _models_in_order(manifest):
            path = compiled / "compiled" / node["package_name"] / node["original_file_path"]
            sql = path.read_text(encoding="utf-8")
            relation = f'"{node["schema"]}"."{node["alias"]}"'
            con.execute(f'create schema if not exists "{node["schema"]}"')
            con.execute(f"create or replace table {relation} as (\n{sql}\n)")
            count += 1
    finally:
        con.close()
    return {"models": count}


def measure(persons: int, runs: int, keep: Path | None = None) -> dict:
    work = Path(keep or tempfile.mkdtemp(prefix="yw-bench-warehouse-"))
    home = str(work / "home")
    try:
        started = time.perf_counter()
        prepared = in_subprocess("bench.warehouse", "setup", home=home, persons=persons)
        prepared["setup_seconds"] = time.perf_counter() - started
        results: dict[str, list[dict]] = {"dbt_build": [], "dbt_run": [], "direct": []}
        for _ in range(runs):
            results["dbt_build"].append(in_subprocess("bench.warehouse", "dbt_command", home=home, command="build"))
            results["dbt_run"].append(in_subprocess("bench.warehouse", "dbt_command", home=home, command="run"))
            results["direct"].append(in_subprocess("bench.warehouse", "direct", home=home))
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report: dict = {"persons": persons, "setup": prepared}
    for name, rs in results.items():
        report[name] = {"seconds": summary(rs, "seconds"), "peak_mb": summary(rs, "peak_mb")}
    direct_seconds = report["direct"]["seconds"]["median"]
    report["ratio_run_to_direct"] = report["dbt_run"]["seconds"]["median"] / direct_seconds
    report["ratio_build_to_direct"] = report["dbt_build"]["seconds"]["median"] / direct_seconds
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000, help="people in the simulated city")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    args = parser.parse_args()
    print(json.dumps(measure(args.persons, args.runs, args.keep), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
