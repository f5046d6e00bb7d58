"""One latest-version rule: connectors.latest and the dbt macro yw_latest_state pick the same rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from connectors.latest import UNIT_ORDER, landed_latest_sql, latest_sql, unit_order, version_order
from yiwang.settings import environment
from yiwang.targets import resolve_target
from yiwang.warehouse.build import dbt_args, project_dir

RAW = "yiwang.raw.hotline__t_gd_workorder"  # where dbt's source resolves on the DuckDB target
# (key, run id, part, op, soft-delete flag): several runs, parts of one run, deletes, a comeback
HISTORY = [
    ("a", "20261101T000000000000Z-0001", 0, "insert", 0),
    ("a", "20261102T000000000000Z-0001", 0, "update", 0),
    ("a", "20261102T000000000000Z-0001", 1, "update", 0),  # same run: the later part wins
    ("b", "20261101T000000000000Z-0001", 0, "insert", 0),
    ("b", "20261102T000000000000Z-0001", 0, "delete", 0),  # a detected delete
    ("c", "20261101T000000000000Z-0001", 3, "insert", 0),
    ("c", "20261102T000000000000Z-0001", 0, "delete", 0),
    ("c", "20261103T000000000000Z-0001", 0, "insert", 0),  # back after its delete
    ("d", "20261101T000000000000Z-0001", 2, "insert", 0),
    ("d", "20261102T000000000000Z-0001", 0, "update", 1),  # a soft delete
    ("e", "20261101T000000000000Z-0001", 0, "insert", 0),
    ("e", "20261101T000000000000Z-0002", 0, "update", 0),  # same second: the run id's suffix decides
]
WINNERS = {
    "a": ("20261102T000000000000Z-0001", 1),
    "b": ("20261102T000000000000Z-0001", 0),
    "c": ("20261103T000000000000Z-0001", 0),
    "d": ("20261102T000000000000Z-0001", 0),
    "e": ("20261101T000000000000Z-0002", 0),
}


def _history(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    con.execute(
        f"create table {relation} (gdbh varchar, _yw_run_id varchar, _yw_part integer, _yw_op varchar, sfsc integer)"
    )
    con.executemany(f"insert into {relation} values (?, ?, ?, ?, ?)", HISTORY)


def _compiled_macro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The macro as dbt compiles it for the DuckDB warehouse."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    target = resolve_target("duckdb")
    env = target.dbt_env() | {
        "YIWANG_WAREHOUSE_TARGET": target.name,
        "YIWANG_DBT_PLUGINS_DIR": str(project_dir() / "plugins"),
    }
    inline = "{{ yw_latest_state('hotline', 't_gd_workorder') }}"
    with environment(env):
        outcome = dbtRunner().invoke(dbt_args("compile", target, extra=["--inline", inline]))
    assert outcome.success, outcome.exception
    return outcome.result.results[0].node.compiled_code


def test_python_and_the_dbt_macro_pick_the_same_latest_versions(tmp_path, monkeypatch):
    sql = _compiled_macro(tmp_path, monkeypatch)
    assert '"yiwang"."raw"."hotline__t_gd_workorder"' in sql
    con = duckdb.connect()
    con.execute("attach ':memory:' as yiwang")
    con.execute("create schema yiwang.raw")
    _history(con, RAW)

    python = con.execute(
        f"select gdbh, _yw_run_id, _yw_part, _yw_op, sfsc from ({landed_latest_sql(RAW, ['gdbh'])})"
    ).fetchall()
    assert {k: (run, part) for k, run, part, _, _ in python} == WINNERS
    live = {k: (run, part) for k, run, part, op, soft in python if op != "delete" and soft != 1}
    assert set(live) == {"a", "c", "e"}

    dbt = con.execute(f"select gdbh, _yw_run_id, _yw_part from ({sql})").fetchall()
    assert {k: (run, part) for k, run, part in dbt} == live


def test_within_a_unit_latest_by_then_the_row_read_last_wins():
    con = duckdb.connect()
    con.execute("create table unit (k integer, changed integer, _yw_seq bigint)")
    rows = [(1, 5, 0), (1, 7, 1), (1, 6, 2), (2, None, 3), (2, 1, 4), (3, 2, 5), (3, 2, 6)]
    con.executemany("insert into unit values (?, ?, ?)", rows)
    assert unit_order(None) == UNIT_ORDER
    by_seq = con.execute(
        f"select k, _yw_seq from ({latest_sql('unit', ['k'], unit_order(None))}) order by k"
    ).fetchall()
    assert by_seq == [(1, 2), (2, 4), (3, 6)]
    by_value = con.execute(
        f"select k, _yw_seq from ({latest_sql('unit', ['k'], unit_order('changed'))}) order by k"
    ).fetchall()
    assert by_value == [(1, 1), (2, 4), (3, 6)]  # nulls lose; a tie falls back to read order
    assert version_order() == ("_yw_run_id", "_yw_part")
