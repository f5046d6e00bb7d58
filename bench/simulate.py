"""City-scale simulation: time and peak memory of `yiwang simulate` (day 1, SQLite stores).

Goal: 1,000,000 people (5-10 million source rows) in at most 2 minutes and 6 GB peak
on this 2-core machine. Baseline in the same run: writing the same SQL tables with pandas
`DataFrame.to_sql` into SQLite (what a straightforward simulator would do for its writes only).

    uv run python -m bench.simulate --persons 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench._measure import in_subprocess, summary


def run_simulation(persons: int, out: str) -> dict:
    from yiwang.simulate import simulate

    shutil.rmtree(out, ignore_errors=True)
    result = simulate(out, persons=persons)
    return {"rows": sum(result.rows.values())}


def run_baseline(persons: int, out: str) -> dict:
    """Render the same city, then time only pandas.to_sql of the SQL platforms' tables."""
    import sqlite3
    import time

    from yiwang.contracts import source_platforms
    from yiwang.simulate.world import world_at
    from yiwang.simulate.write_day import SQL_PLATFORMS, load_mess, render_all

    first, world, history = world_at(20261101, persons, 1)
    tables = render_all(world, first, history, load_mess())
    shutil.rmtree(out, ignore_errors=True)
    Path(out).mkdir(parents=True)
    started = time.perf_counter()
    rows = 0
    for name in SQL_PLATFORMS:
        with sqlite3.connect(Path(out) / f"{name}.sqlite") as con:
            for table in source_platforms()[name].tables.values():
                frame = tables[table.qualified_name][table.column_names]
                frame.to_sql(table.table, con, index=False, chunksize=50_000)
                rows += len(frame)
    return {"rows": rows, "write_seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yiwang-bench-"))
    try:
        ours = [
            in_subprocess("bench.simulate", "run_simulation", persons=args.persons, out=str(work / "sim"))
            for _ in range(args.runs)
        ]
        base = [
            in_subprocess("bench.simulate", "run_baseline", persons=args.persons, out=str(work / "base"))
            for _ in range(max(1, args.runs // 2))
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = summary(ours, "seconds")
    report = {
        "benchmark": "simulate",
        "persons": args.persons,
        "source_rows": ours[0]["rows"],
        "seconds": seconds,
        "peak_mb": summary(ours, "peak_mb"),
        "rows_per_second": ours[0]["rows"] / seconds["median"],
        "baseline_to_sql_write_seconds": summary(base, "write_seconds"),
        "ratio_total_to_baseline_write": seconds["median"] / summary(base, "write_seconds")["median"],
        "goal": {"seconds": 120, "peak_mb": 6144},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
