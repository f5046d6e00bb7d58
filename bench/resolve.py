"""`python -m bench.resolve [--persons N | --home DIR] [--runs K]`: entity resolution at city scale.

Setup (once, not timed): simulate N people, extract, and one full `yiwang build` on DuckDB
(bench.warehouse.setup), so the intermediate mention models exist; or --home: a workspace whose
warehouse is built, copied first (the bench writes schema `resolution`).

Each run, in a fresh process (wall time, peak memory):
- people: `cluster_people()` on the person mentions alone (read from the warehouse, not timed),
  the figure the resolution goal names (city scale: at most 3 minutes and 12 GB);
- resolve: `yiwang.resolve.resolve()` — persons, houses, legal entities and matters, golden
  records, stable keys, written to schema `resolution`;
- splink_baseline: a plain Splink 5 dedupe of the same person mentions (standard comparisons,
  no Chinese preparation; unsupervised training; settings/baseline_person.yml), the yardstick
  of the resolution goal, same run, same data.
Also reports the person mentions, persons, and the pairwise scores of both against the truth.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from bench._measure import in_subprocess, summary


def _person_mentions(home: str):
    import duckdb

    from yiwang.targets import resolve_target

    os.environ["YIWANG_HOME"] = home
    with duckdb.connect(str(resolve_target("duckdb").duckdb_path), read_only=True) as con:
        return con.execute("select * from intermediate.int_person_mentions").df()


def run_people(home: str) -> dict:
    """cluster_people() alone; the mentions are read before the clock starts (bench._measure
    times the whole call, so the read is subtracted)."""
    import time

    from yiwang.resolve.people import cluster_people

    started = time.perf_counter()
    mentions = _person_mentions(home)
    read = time.perf_counter() - started
    clusters, _ = cluster_people(mentions)
    return {
        "read_seconds": read,
        "mentions": len(mentions),
        "persons": int(clusters.cluster.nunique()),
        "methods": {k: int(v) for k, v in clusters.match_method.value_counts().items()},
    }


def run_resolve(home: str) -> dict:
    os.environ["YIWANG_HOME"] = home
    from yiwang.resolve import resolve
    from yiwang.resolve.evaluate import evaluate

    result = resolve("duckdb")
    scores = {s.entity_type: round(s.pairwise_f1, 4) for s in evaluate(Path(home) / "sources")}
    return {"counts": result.counts, "f1": scores}


def run_baseline(home: str) -> dict:
    os.environ["YIWANG_HOME"] = home
    from yiwang.resolve.evaluate import baseline_person_score

    s = baseline_person_score(Path(home) / "sources")
    return {"mentions": s.mentions, "f1": round(s.pairwise_f1, 4)}


def measure(persons: int, runs: int, built_home: str | None = None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="yw-bench-resolve-"))
    home = str(work / "home")
    try:
        if built_home:
            shutil.copytree(built_home, home)
            prepared = {}
        else:
            prepared = in_subprocess("bench.warehouse", "setup", home=home, persons=persons)
        results: dict[str, list[dict]] = {"people": [], "resolve": [], "splink_baseline": []}
        for _ in range(runs):
            people = in_subprocess("bench.resolve", "run_people", home=home)
            people["seconds"] -= people["read_seconds"]
            results["people"].append(people)
            results["resolve"].append(in_subprocess("bench.resolve", "run_resolve", home=home))
            results["splink_baseline"].append(in_subprocess("bench.resolve", "run_baseline", home=home))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report: dict = {"persons": built_home or persons, "setup_build_seconds": prepared.get("build_seconds")}
    for name, rs in results.items():
        report[name] = {"seconds": summary(rs, "seconds"), "peak_mb": summary(rs, "peak_mb"), "last": rs[-1]}
    report["ratio_resolve_to_baseline"] = (
        report["resolve"]["seconds"]["median"] / report["splink_baseline"]["seconds"]["median"]
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000, help="people in the simulated city")
    parser.add_argument("--home", help="a workspace with a built warehouse (copied, not written)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.persons, args.runs, args.home), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
