"""`python -m bench.incremental [--persons N] [--runs K]`: a day of changes published incrementally
against the full first run, on DuckDB.

Setup (once, not timed): simulate day 1 of a city of N people; the workspace is kept as a
pristine copy (sources, no landing, no warehouse).

Then each run starts from a fresh copy of it, and in fresh processes (wall time, peak memory):
- first: extract every platform + `yiwang publish` (the full first run: every table built);
- (not timed) the simulator writes day 2 into the sources (about one percent changes);
- daily: extract + `yiwang publish`, incremental (the default);
- daily_full: the same day again from a copy taken before `daily`, with `--full-refresh` (the
  baseline a daily run would cost without incremental models, same data, same run).

Reports medians; the goals: `ratio_daily_to_first` at most 0.10 at 200,000 and 1,000,000 people,
and the daily run's peak memory bounded by the change (compare `daily.peak_mb` across sizes).
Run it here only at --persons 5000 or less; city scale is for the benchmark machine.
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

TOKEN = "bench-incremental-token"


def setup(home: str, persons: int) -> dict:
    """Simulate day 1 of the city into YIWANG_HOME=home/sources."""
    os.environ["YIWANG_HOME"] = home
    from yiwang.simulate import simulate

    simulate(Path(home) / "sources", persons=persons)
    return {}


def simulate_day(home: str, persons: int, day: int) -> dict:
    """The simulator's changes of `day` written into the sources (not part of the timed runs)."""
    os.environ["YIWANG_HOME"] = home
    from yiwang.simulate import simulate

    simulate(Path(home) / "sources", persons=persons, day=day)
    return {}


def extract_and_publish(home: str, full_refresh: bool = False) -> dict:
    """Extract every platform into the landing zone, then publish (landing gate, build, gate, swap)."""
    os.environ["YIWANG_HOME"] = home
    from connectors import extract, load_registry, select_tables
    from quality import check_landing
    from yiwang.simulate.party_api import api_db_path, running
    from yiwang.warehouse.flow import publish

    started = time.perf_counter()
    with running(api_db_path(Path(home) / "sources"), token=TOKEN) as server:
        os.environ["YIWANG_PARTY_API_URL"] = server.base_url
        os.environ["YIWANG_PARTY_API_TOKEN"] = TOKEN
        results = extract(select_tables(load_registry(), None))
    failed = [f"{r.platform}.{r.table}: {r.error}" for r in results if r.status != "ok"]
    if failed:
        raise RuntimeError(f"extraction failed: {failed}")
    extract_seconds = time.perf_counter() - started
    check_landing()
    result = publish("duckdb", build_options={"full_refresh": full_refresh})
    if not result.published:
        raise RuntimeError(f"publish failed: {result.error}")
    return {"extract_seconds": extract_seconds, "publish_seconds": result.seconds, "stages": _stages(result)}


def _stages(result) -> dict[str, float]:
    """Where a publish spends its time: the flow's steps, the build split into dbt and resolution,
    and dbt's node time per layer (thread-seconds: nodes run in parallel, so they overlap)."""
    stages = {f"publish.{step}": seconds for step, seconds in result.steps.items()}
    build = result.build
    stages |= {"build.dbt": build.dbt_seconds, "build.resolve": build.resolve_seconds}
    layers = {"stg_": "staging", "int_": "intermediate"}
    for node in build.nodes:
        kind = {"test": "tests", "unit_test": "tests", "seed": "seeds"}.get(node.resource_type)
        layer = kind or layers.get(node.name[:4], "marts")
        stages[f"dbt.{layer}"] = stages.get(f"dbt.{layer}", 0.0) + node.seconds
    return stages


def _copy(source: Path, name: str) -> str:
    home = source.parent / name
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(source, home, ignore=shutil.ignore_patterns("*.lock"))
    return str(home)


def measure(persons: int, runs: int, keep: Path | None = None) -> dict:
    work = Path(keep or tempfile.mkdtemp(prefix="yw-bench-incremental-"))
    pristine = work / "pristine" / "home"
    results: dict[str, list[dict]] = {"first": [], "daily": [], "daily_full": []}
    try:
        started = time.perf_counter()
        in_subprocess("bench.incremental", "setup", home=str(pristine), persons=persons)
        setup_seconds = time.perf_counter() - started
        for run in range(runs):
            home = _copy(pristine, f"run{run}")
            results["first"].append(in_subprocess("bench.incremental", "extract_and_publish", home=home))
            in_subprocess("bench.incremental", "simulate_day", home=home, persons=persons, day=2)
            twin = _copy(Path(home), f"run{run}-full")  # the same day 2, published with --full-refresh
            results["daily"].append(in_subprocess("bench.incremental", "extract_and_publish", home=home))
            results["daily_full"].append(
                in_subprocess("bench.incremental", "extract_and_publish", home=twin, full_refresh=True)
            )
            shutil.rmtree(twin, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report: dict = {"persons": persons, "setup_seconds": setup_seconds}
    for name, rs in results.items():
        report[name] = {"seconds": summary(rs, "seconds"), "peak_mb": summary(rs, "peak_mb")}
        report[name]["extract_seconds"] = summary(rs, "extract_seconds")["median"]
        report[name]["stages"] = {s: summary([r["stages"] for r in rs], s)["median"] for s in rs[0]["stages"]}
    first = report["first"]["seconds"]["median"]
    report["ratio_daily_to_first"] = report["daily"]["seconds"]["median"] / first
    report["ratio_daily_full_to_first"] = report["daily_full"]["seconds"]["median"] / first
    daily_full = report["daily_full"]["seconds"]["median"]
    report["ratio_daily_to_daily_full"] = report["daily"]["seconds"]["median"] / daily_full
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000, help="people in the simulated city")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    args = parser.parse_args()
    print(json.dumps(measure(args.persons, args.runs, args.keep), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
