"""SQL kind against real SQLite, PostgreSQL and MariaDB: incremental, lookback, deletes, injection."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests_connectors_helpers import create_table, execute, insert_rows, table_config, workorders

from connectors import committed_batches, extract, read_landed
from connectors.pipeline import extract_table, new_run_id
from connectors.sql import SqlSource
from connectors.state import TableState
from yiwang.contracts import source_table
from yiwang.duckdb_connection import IdentifierError, identifier

T0 = datetime(2024, 3, 1, 8, 0, 0)
INJECTION = "'); drop table t_gd_workorder; -- \" ` \\ 注入"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def hotline_url(request, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}"
    else:
        url = request.getfixturevalue(f"{request.param}_database")
    monkeypatch.setenv("YIWANG_HOTLINE_URL", url)
    return url


def run(table: str = "t_gd_workorder", **kw):
    [result] = extract([table_config("hotline", table)], **kw)
    assert result.status == "ok", result.error
    assert result.reconciled
    return result


def latest(table: str = "t_gd_workorder"):
    df = read_landed("hotline", table).to_pandas()
    return df.sort_values("_yw_run_id", kind="stable").groupby("gdbh").tail(1).set_index("gdbh")


def test_incremental_lookback_soft_delete_and_injection(hotline_url: str) -> None:
    contract = source_table("hotline", "t_gd_workorder")
    rows = workorders(50, T0)
    rows[7]["sqnr"] = INJECTION
    rows[8]["ldrxm"] = None
    create_table(hotline_url, contract, rows)

    first = run()
    assert first.counts["source"] == first.counts["landed"] == first.counts["insert"] == 50
    landed = latest()
    assert landed.loc["GD000007", "sqnr"] == INJECTION  # stored verbatim
    assert landed.loc["GD000000", "zjhm"] == "33060219800101123X"
    assert str(landed["gxsj"].dtype).startswith("datetime64")
    watermark = T0 + timedelta(minutes=49)
    state = TableState.load("hotline", "t_gd_workorder", None)
    assert state.cursor == {"type": "timestamp", "value": watermark.isoformat()}

    assert run().counts["landed"] == 0  # nothing new

    # a row with the cursor equal to the watermark, and a late row inside the lookback window
    insert_rows(
        hotline_url,
        "t_gd_workorder",
        workorders(1, watermark, gdbh="GD-EQUAL") + workorders(1, watermark - timedelta(minutes=90), gdbh="GD-LATE"),
    )
    # an update and a soft delete
    execute(
        hotline_url,
        "update t_gd_workorder set gdzt = '40', gxsj = :t where gdbh = 'GD000003'",
        t=watermark + timedelta(minutes=5),
    )
    execute(
        hotline_url,
        "update t_gd_workorder set sfsc = 1, gxsj = :t where gdbh = 'GD000004'",
        t=watermark + timedelta(minutes=6),
    )
    third = run()
    assert (third.counts["insert"], third.counts["update"], third.counts["delete"]) == (2, 1, 1)
    landed = latest()
    assert landed.loc["GD000004", "_yw_op"] == "delete"
    assert landed.loc["GD000003", "gdzt"] == "40"
    assert {"GD-EQUAL", "GD-LATE"} <= set(landed.index)
    all_rows = read_landed("hotline", "t_gd_workorder").to_pandas()
    assert len(all_rows) == 54  # no duplicates
    assert all_rows["_yw_row_hash"].str.len().eq(32).all()


def test_type_coercion_goes_to_quarantine(workspace: Path, monkeypatch) -> None:
    url = f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}"
    monkeypatch.setenv("YIWANG_HOTLINE_URL", url)
    contract = source_table("hotline", "t_gd_workorder")
    create_table(url, contract, workorders(5, T0))
    execute(url, "update t_gd_workorder set sqlx = 'three' where gdbh = 'GD000001'")
    execute(url, "update t_gd_workorder set slsj = '2024-02-30 25:00:00' where gdbh = 'GD000002'")
    result = run()
    assert (result.counts["source"], result.counts["landed"], result.counts["quarantined"]) == (5, 3, 2)
    q = read_landed("hotline", "t_gd_workorder", quarantine=True).to_pandas().set_index("_yw_column")
    assert q.loc["sqlx", "_yw_reason"] == "type_coercion:sqlx" and q.loc["sqlx", "_yw_raw_value"] == "three"
    assert q.loc["slsj", "_yw_reason"] == "type_coercion:slsj"
    assert '"gdbh":"GD000001"' in q.loc["sqlx", "_yw_record"]
    manifest = committed_batches("hotline", "t_gd_workorder")[-1].manifest
    assert manifest["quarantine"]["reasons"] == {"type_coercion:sqlx": 1, "type_coercion:slsj": 1}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_snapshot_detects_hard_deletes(backend: str, request, workspace: Path, monkeypatch) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{workspace / 'sources' / 'grid_platform.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
    monkeypatch.setenv("YIWANG_GRID_PLATFORM_URL", url)
    contract = source_table("grid_platform", "zz_dw")
    rows = [
        {"dwbh": f"DW{i}", "dwmc": f"单位{i}", "dwlx": 1, "tyshxydm": "91330602MA2BCDEF1X", "gxsj": T0}
        for i in range(10)
    ]
    create_table(url, contract, rows)
    [r1] = extract([table_config("grid_platform", "zz_dw")])
    assert r1.counts["insert"] == 10
    execute(url, "delete from zz_dw where dwbh in ('DW3', 'DW4')")
    [r2] = extract([table_config("grid_platform", "zz_dw")])
    assert (r2.counts["delete"], r2.counts["detected_deletes"], r2.counts["unchanged"]) == (2, 2, 8)
    assert r2.reconciled and r2.counts["source"] == 8
    df = read_landed("grid_platform", "zz_dw").to_pandas()
    deletes = df[df["_yw_op"] == "delete"]
    assert set(deletes["dwbh"]) == {"DW3", "DW4"} and deletes["dwmc"].isna().all()
    [r3] = extract([table_config("grid_platform", "zz_dw")])
    assert r3.counts["landed"] + r3.counts["detected_deletes"] == 0


def test_identifiers_are_validated_and_quoted() -> None:
    assert identifier("t_gd_workorder") == '"t_gd_workorder"'
    assert identifier("党员编号") == '"党员编号"'
    for bad in ('x"; drop table y; --', "a b", "1abc", "", "a.b"):
        with pytest.raises(IdentifierError):
            identifier(bad)


def test_bad_table_name_never_reaches_sql(workspace: Path) -> None:
    from dataclasses import replace

    contract = replace(source_table("hotline", "t_gd_lzjl"), table='t"; drop table x; --')
    with pytest.raises(IdentifierError):
        SqlSource(f"sqlite:///{workspace / 'x.sqlite'}", contract)


def test_source_down_is_a_clear_error_without_password(workspace: Path, monkeypatch) -> None:
    monkeypatch.setenv("YIWANG_HOTLINE_URL", "postgresql+psycopg://etl:s3cr3t-pw@127.0.0.1:1/hotline")
    monkeypatch.setattr("connectors.retry.RETRY_BASE_SECONDS", 0.01)
    [result] = extract([table_config("hotline", "t_gd_lzjl")], run_id=new_run_id())
    assert result.status == "failed"
    assert "cannot connect" in result.error and "s3cr3t-pw" not in result.error and result.kind == "transient"
    assert committed_batches("hotline", "t_gd_lzjl") == []
    assert TableState.load("hotline", "t_gd_lzjl", None).cursor is None


def test_extract_table_raises_for_callers(workspace: Path, monkeypatch) -> None:
    monkeypatch.setenv("YIWANG_HOTLINE_URL", f"sqlite:///{workspace / 'missing.sqlite'}")
    with pytest.raises(Exception, match="does not exist"):
        extract_table(table_config("hotline", "t_gd_lzjl"), new_run_id())
    [result] = extract([table_config("hotline", "t_gd_lzjl")])
    assert result.status == "failed" and result.kind == "transient"  # a store not copied in yet
