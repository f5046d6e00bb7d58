"""An incremental warehouse build equals a full rebuild, on DuckDB and on PostgreSQL.

The tiny city is published on day 1 (a first build is a full one), then days 2..5 are simulated,
extracted and published incrementally (the default). A `--full-refresh` publish of the same
landing zone follows; the incremental day-5 version stays kept beside it (a DuckDB file under
versions/, PostgreSQL schemas *__v_<run>), and every staging, intermediate and mart table of the
two must hold the same rows (EXCEPT ALL both ways; RUN_TIME_COLUMNS are left out).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest
from warehouse_city import extract_everything

from quality import check_landing
from yiwang.simulate import simulate
from yiwang.targets import Target, resolve_target
from yiwang.warehouse.build import dbt_work_dir
from yiwang.warehouse.flow import publish
from yiwang.warehouse.publish import versions
from yiwang.warehouse.store.postgres_schema import VERSION_TAG, tag

pytestmark = [pytest.mark.slow]
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")
# columns that say when a build ran, not what it holds (none of the dbt models has one today;
# the record of staged batches is bookkeeping, compared by its own assertion)
RUN_TIME_COLUMNS: frozenset[str] = frozenset()
BOOKKEEPING = {"_yw_staged_batches", "_stage_run"}
DAYS = (2, 3, 4, 5)
STAGING = "yiwang/models/staging"  # under dbt's target/run (executed SQL) and target/compiled (the selects)


def _publish(target: str, run_id: str, **build_options) -> None:
    assert check_landing().ok
    result = publish(target, run_id=run_id, build_options=build_options)
    failed = result.build and [(n.unique_id, (n.message or "")[:200]) for n in result.build.failed]
    gate = result.gate and [c.name for c in result.gate.failed]
    assert result.published, (result.error, failed, gate)


def _staging_merged(target: str) -> bool:
    """Whether the last build merged into every staging table (an insert) rather than rebuilding it."""
    work = dbt_work_dir(resolve_target(target)) / "target"
    executed = sorted((work / "run" / STAGING).glob("*/stg_*.sql"))
    selects = sorted((work / "compiled" / STAGING).glob("*/stg_*.sql"))
    assert len(executed) == len(selects) >= 10
    inserted = ["insert into" in f.read_text() for f in executed]
    touched_only = ["_yw_staged_batches" in f.read_text() for f in selects]
    assert len(set(inserted + touched_only)) == 1, "some staging tables merged, others were rebuilt"
    return inserted[0]


def _days_then_full_refresh(home: Path, target: str) -> str:
    """Day 1 published, days 2..5 published incrementally, then a full refresh; the run id of day 5."""
    _publish(target, "20260101T000000000001Z")
    assert not _staging_merged(target)
    for day in DAYS:
        simulate(home / "sources", scale="tiny", day=day)
        extract_everything(home)
        _publish(target, f"20260101T00000000000{day}Z")
        assert _staging_merged(target)
    _publish(target, "20260101T000000000009Z", full_refresh=True)
    assert not _staging_merged(target)
    return f"20260101T00000000000{DAYS[-1]}Z"


def _difference(con, columns: str, one: str, other: str) -> int:
    return con.execute(
        f"select count(*) from (select {columns} from {one} except all select {columns} from {other}) as d"
    ).fetchone()[0]


def _compare(con, tables: dict[tuple[str, str], list[str]], live: str, kept: str, quote) -> list[str]:
    """Tables whose rows differ between the live (full refresh) and the kept (incremental) version."""
    differing = []
    for (schema, table), columns in sorted(tables.items()):
        if table in BOOKKEEPING:
            continue
        listed = ", ".join(quote(c) for c in columns if c not in RUN_TIME_COLUMNS)
        full, incremental = live.format(schema=schema, table=table), kept.format(schema=schema, table=table)
        missing = _difference(con, listed, full, incremental)
        extra = _difference(con, listed, incremental, full)
        if missing or extra:
            differing.append(f"{schema}.{table}: {missing} rows only in the full refresh, {extra} only incremental")
    return differing


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_incremental_days_equal_a_full_refresh_on_duckdb(city_workspace: Path) -> None:
    day5 = _days_then_full_refresh(city_workspace, "duckdb")
    target = resolve_target("duckdb")
    kept = next(Path(v["path"]) for v in versions("duckdb") if v["run_id"] == day5)
    con = duckdb.connect(str(target.duckdb_path), read_only=True)
    try:
        con.execute(f"attach '{kept}' as incremental (read_only)")
        rows = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            f"where database_name = current_database() and schema_name in {COMPARED_SCHEMAS} "
            "order by schema_name, table_name, column_index"
        ).fetchall()
        tables: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in rows:
            tables.setdefault((schema, table), []).append(column)
        assert {s for s, _ in tables} == set(COMPARED_SCHEMAS)
        differing = _compare(con, tables, "{schema}.{table}", "incremental.{schema}.{table}", _quote)
        assert differing == []
        # the staged-batches record is the same set of batches either way: nothing left unstaged
        record = "select model, run_id from {}staging._yw_staged_batches"
        assert _difference(con, "*", f"({record.format('')})", f"({record.format('incremental.')})") == 0
    finally:
        con.close()


@pytest.mark.postgres
def test_incremental_days_equal_a_full_refresh_on_postgres(
    city_workspace: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    day5 = _days_then_full_refresh(city_workspace, "postgres")
    target: Target = resolve_target("postgres")
    suffix = VERSION_TAG + tag(day5)
    with psycopg.connect(target.postgres_conninfo(), autocommit=True) as con:
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = any(%s) order by table_schema, table_name, ordinal_position",
            [list(COMPARED_SCHEMAS)],
        ).fetchall()
        tables: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in rows:
            tables.setdefault((schema, table), []).append(column)
        assert {s for s, _ in tables} == set(COMPARED_SCHEMAS)
        kept = '"{schema}' + suffix + '"."{table}"'
        differing = _compare(con, tables, '"{schema}"."{table}"', kept, _quote)
        assert differing == []
