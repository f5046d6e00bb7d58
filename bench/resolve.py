"""`python -m bench.resolve [--persons N] [--runs K]`: entity resolution at city scale.

Setup (once, not timed): simulate N people, extract, and one full `yiwang build` on DuckDB
(bench.warehouse.setup), so the intermediate mention models exist.

Each run, in a fresh process (wall time, peak memory):
- resolve: `yiwang.resolve.resolve()` — persons, houses, legal entities and matters, golden
  records, stable keys, written to schema `resolution`;
- splink_baseline: a plain Splink 5 dedupe of the same person mentions (standard comparisons,
  no Chinese preparation; unsupervised training), the yardstick of issue 5, same run, same data.
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

PERSON_SETTINGS = {
    "id_column": "mention_id",
    "columns": [
        {"name": "person_name", "kind": "chinese_person_name"},
        {"name": "id_number", "kind": "chinese_id_number"},
        {"name": "birth_date", "kind": "date"},
        {"name": "phone", "kind": "phone"},
        {"name": "address", "kind": "address"},
        {"name": "grid_code", "kind": "exact"},
    ],
    "blocking": [["id_number"], ["phone"], ["person_name", "birth_date"], ["person_name", "grid_code"]],
    "threshold": 0.9,
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
    import duckdb
    import pandas as pd

    from yiwang.resolve.evaluate import PERSON_TRUTH, _split, _truth_for, score
    from yiwang.resolve.link import LinkSettings, dedupe
    from yiwang.warehouse.targets import resolve_target

    path = resolve_target("duckdb").duckdb_path
    with duckdb.connect(str(path), read_only=True) as con:
        mentions = con.execute(
            "select mention_id, person_name, id_number_as_given as id_number, birth_date, phone, address, grid_code "
            "from intermediate.int_person_mentions"
        ).df()
    result = dedupe(mentions, LinkSettings.from_dict(PERSON_SETTINGS), baseline=True)
    clusters = result.clusters.set_index("mention_id").cluster_id.reindex(mentions.mention_id)
    truth = _truth_for(_split(mentions.mention_id), Path(home) / "sources" / "truth", PERSON_TRUTH)
    s = score("person", pd.Series(clusters.to_numpy()), truth.reset_index(drop=True))
    return {"mentions": len(mentions), "pairs": len(result.pairs), "f1": round(s.pairwise_f1, 4)}


def measure(persons: int, runs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="yw-bench-resolve-"))
    home = str(work / "home")
    try:
        prepared = in_subprocess("bench.warehouse", "setup", home=home, persons=persons)
        results: dict[str, list[dict]] = {"resolve": [], "splink_baseline": []}
        for _ in range(runs):
            results["resolve"].append(in_subprocess("bench.resolve", "run_resolve", home=home))
            results["splink_baseline"].append(in_subprocess("bench.resolve", "run_baseline", home=home))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report: dict = {"persons": persons, "setup_build_seconds": prepared.get("build_seconds")}
    for name, rs in results.items():
        report[name] = {"seconds": summary(rs, "seconds"), "peak_mb": summary(rs, "peak_mb"), "last": rs[-1]}
    report["ratio_resolve_to_baseline"] = (
        report["resolve"]["seconds"]["median"] / report["splink_baseline"]["seconds"]["median"]
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000, help="people in the simulated city")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.persons, args.runs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
