"""`python -m bench.gates [--home DIR | --persons N] [--runs K]`: the warehouse gate's time
against one SQL scan computing the same checks, same warehouse, same run.

Setup (not timed): --home: a workspace whose warehouse is built (read only); with --replicate K,
a copy of it whose marts hold K copies of their rows (`replicate`: a city-scale proxy); otherwise
simulate, extract and build a city of N people (bench.warehouse.setup).

Each run: (a) quality.check_warehouse: every mart's GX suite in one GX checkpoint, metrics
computed by DuckDB (quality/gx_duckdb.py), reconciliation, freshness, data docs and the JSON
archive; (b) the baseline: for every mart ONE SQL query computing the same contract checks (null
counts of non-nullable columns, duplicate keys, values outside the allowed sets, broken
references), plus the same reconciliation SQL. Reports medians of the totals and
`ratio_gate_to_sql` (goal ≤ 2), and of the parts: the gate's contracts (the GX checkpoint) and
data docs as the gate measures them, its decision time (total minus docs), and the baseline's
contract queries and reconciliation.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from quality.suites import ref_column
from yiwang import duckdb_connection as _duckdb


def sql_checks(model) -> str:
    """One query over the mart returning every contract check's violation count."""
    from quality.warehouse_gate import batch_query

    parts = ["count(*) as rows"]
    for c in model.columns:
        col = _duckdb.identifier(c.name)
        if not c.nullable:
            parts.append(f"count(*) - count({col})")
        if c.allowed:
            values = ", ".join(_duckdb.literal(str(v)) for v in c.allowed)
            parts.append(f"count(*) filter (where cast({col} as varchar) not in ({values}))")
        if c.references:
            parts.append(f"count(*) filter (where {_duckdb.identifier(ref_column(c.name))} = false)")
    key = ", ".join(_duckdb.identifier(k) for k in model.primary_key)
    parts.append(f"count(*) - (select count(*) from (select distinct {key} from b))")  # noqa: S608
    return f"with b as ({batch_query(model)}) select {', '.join(parts)} from b"  # noqa: S608


def replicate(home: str, times: int) -> tuple[str, dict[str, int]]:
    """A copy of workspace `home` whose marts hold `times` copies of their rows (a city-scale proxy
    when no built city is at hand; `home` is only read). Copy i > 0 suffixes `r<i>` to one string
    column of each primary key (the first without allowed values) and to every reference column,
    so keys stay unique and references resolve; allowed values, nulls and the other columns are
    kept, so every check sees the same outcome on every copy. Raw, staging and the landing
    decisions stay as built: the baseline's reconciliation is the original one."""
    import shutil

    import duckdb

    from yiwang.contracts import warehouse_models

    target = tempfile.mkdtemp(prefix=f"yw-bench-gates-x{times}-")
    shutil.copytree(home, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock", "runs"))
    models = warehouse_models()
    keyed = {}
    for name, model in models.items():
        key = next(
            c.name for c in model.columns if c.name in model.primary_key and c.type == "string" and not c.allowed
        )
        keyed[name] = key
    rows = {}
    con = duckdb.connect(str(Path(target) / "warehouse" / "yiwang.duckdb"))
    try:
        for name, model in models.items():
            suffixed = {keyed[name]} | {c.name for c in model.columns if c.references}
            for c in model.columns:
                if c.references:
                    parent, _, column = c.references.partition(".")
                    if keyed[parent] != column:
                        raise ValueError(f"{name}.{c.name} references {c.references}, not its suffixed key")
            cols = [r[0] for r in con.execute(f"describe marts.{_duckdb.identifier(name)}").fetchall()]
            select = ", ".join(
                f"case when r.i = 0 then {q} else {q} || 'r' || r.i end as {q}" if c in suffixed else q
                for c in cols
                for q in [_duckdb.identifier(c)]
            )
            # identifiers validated and quoted by _duckdb.identifier; the copy count is a bound parameter
            relation = f"marts.{_duckdb.identifier(name)}"
            copy = f"marts.{_duckdb.identifier('_yw_bench_copy')}"
            con.execute(f"create table {copy} as select {select} from {relation}, range(?) r(i)", [int(times)])  # noqa: S608
            con.execute(f"drop table {relation}")
            con.execute(f"alter table {copy} rename to {_duckdb.identifier(name)}")
            rows[name] = con.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608
        con.execute("checkpoint")
    finally:
        con.close()
    return target, rows


def run_sql(target) -> dict[str, float]:
    from quality.warehouse_gate import WAREHOUSE_ALIAS, reconcile
    from yiwang.contracts import warehouse_models
    from yiwang.targets import attach

    started = time.perf_counter()
    con = attach(target, WAREHOUSE_ALIAS, read_only=True)
    try:
        checks = time.perf_counter()
        for model in warehouse_models().values():
            con.execute(sql_checks(model)).fetchall()
        reconciling = time.perf_counter()
        reconcile(con)
        done = time.perf_counter()
    finally:
        con.close()
    return {
        "seconds": time.perf_counter() - started,
        "contracts": reconciling - checks,
        "reconcile": done - reconciling,
    }


def run_gate(target) -> dict[str, float]:
    from quality.warehouse_gate import check_warehouse

    started = time.perf_counter()
    result = check_warehouse(target)
    seconds = time.perf_counter() - started
    docs = result.extra.get("docs_seconds", 0.0)
    return {
        "seconds": seconds,
        "contracts": result.extra.get("contracts_seconds", 0.0),
        "docs": docs,
        "decision": seconds - docs,
        "ok": result.ok,
    }


def _median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="a workspace with a built warehouse")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replicate", type=int, default=1, help="bench a copy of --home with K copies of each mart")
    args = parser.parse_args()
    if args.home and args.replicate > 1:
        home, rows = replicate(args.home, args.replicate)
        os.environ["YIWANG_HOME"] = home
        counts = {"replicated_from": args.home, "times": args.replicate, "mart_rows": rows}
    elif args.home:
        os.environ["YIWANG_HOME"] = args.home
        counts = {}
    else:
        from bench.warehouse import setup

        home = tempfile.mkdtemp(prefix="yw-bench-gates-")
        counts = setup(home, args.persons)
    from yiwang.targets import resolve_target

    target = resolve_target("duckdb")
    gate, sql = [], []
    for _ in range(args.runs):  # alternating, so both see the same machine
        gate.append(run_gate(target))
        sql.append(run_sql(target))
    report = {
        "benchmark": "gates",
        "warehouse": str(target.duckdb_path),
        "setup": counts,
        "runs": args.runs,
        "gate_seconds_median": _median(gate, "seconds"),
        "gate_decision_seconds_median": _median(gate, "decision"),
        "gate_contracts_seconds_median": _median(gate, "contracts"),
        "gate_docs_seconds_median": _median(gate, "docs"),
        "sql_seconds_median": _median(sql, "seconds"),
        "sql_contracts_seconds_median": _median(sql, "contracts"),
        "sql_reconcile_seconds_median": _median(sql, "reconcile"),
        "ratio_gate_to_sql": round(_median(gate, "seconds") / _median(sql, "seconds"), 2),
        "ratio_decision_to_sql": round(_median(gate, "decision") / _median(sql, "seconds"), 2),
        "gate_seconds": [round(r["seconds"], 3) for r in gate],
        "sql_seconds": [round(r["seconds"], 3) for r in sql],
        "gate_passed": [r["ok"] for r in gate],
    }
    print(json.dumps(report, indent=2))
    if args.home and args.replicate > 1:
        import shutil

        shutil.rmtree(os.environ["YIWANG_HOME"], ignore_errors=True)


if __name__ == "__main__":
    main()
