"""Raw load: committed batches only, once each, on DuckDB and PostgreSQL, with schema evolution."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlalchemy as sa
from warehouse_city import extract_everything, extracted_ok

from connectors.landing import committed_batches
from yiwang.contracts import source_tables
from yiwang.targets import Target, ensure_database
from yiwang.warehouse import LoadError, load_raw, raw_table_name, resolve_target
from yiwang.warehouse.load import LOADED_BATCHES, loaded_batches, manifest_rows

pytestmark = [pytest.mark.slow]


def _raw_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        query = "select table_name from duckdb_tables() where schema_name = 'raw'"
        names = [r[0] for r in con.execute(query).fetchall()]
        return {n: con.execute(f'select count(*) from raw."{n}"').fetchone()[0] for n in names}


def _landed_rows(home: Path) -> dict[str, int]:
    out = {}
    for t in source_tables():
        batches = committed_batches(t.platform, t.table, home / "landing")
        out[raw_table_name(t.platform, t.table)] = sum(manifest_rows(b) for b in batches)
    return out


def test_load_is_idempotent_and_matches_the_manifests(city_workspace: Path) -> None:
    first = load_raw("duckdb")
    assert first.batches_loaded == len(extracted_ok(city_workspace)) > 0
    path = resolve_target("duckdb").duckdb_path
    assert path == (city_workspace / "warehouse" / "yiwang.duckdb").resolve()
    counts = _raw_counts(path)
    landed = _landed_rows(city_workspace)
    for table, rows in landed.items():
        assert counts[table] == rows, table
    assert counts[LOADED_BATCHES] == first.batches_loaded

    second = load_raw("duckdb")
    assert second.batches_loaded == 0 and second.rows_loaded == 0
    assert sum(t.batches_skipped for t in second.tables) == first.batches_loaded
    assert _raw_counts(path) == counts

    # every loaded batch is recorded with its manifest's sha256 and row count
    for row in loaded_batches("duckdb"):
        batch = committed_batches(row["platform"], row["table_name"], city_workspace / "landing")[0]
        assert row["run_id"] == batch.run_id
        assert row["rows"] == manifest_rows(batch)
        assert len(row["manifest_sha256"]) == 64


def test_every_contract_table_exists_in_raw_even_before_it_lands(city_workspace: Path) -> None:
    shutil.rmtree(city_workspace / "landing" / "party_building")
    load_raw("duckdb")
    counts = _raw_counts(resolve_target("duckdb").duckdb_path)
    for t in source_tables():
        assert raw_table_name(t.platform, t.table) in counts
    assert counts["party_building__members"] == 0


def test_uncommitted_staging_and_quarantine_are_never_read(city_workspace: Path) -> None:
    landing = city_workspace / "landing"
    batch = committed_batches("hotline", "t_gd_workorder", landing)[0]
    # a batch folder without its manifest (a crash after the rename), and staging debris
    torn = batch.path.parent / "29991231T000000000000Z-dead"
    shutil.copytree(batch.path, torn)
    (torn / "_manifest.json").unlink()
    debris = landing / "_staging" / "29991231T000000000000Z-beef" / "hotline" / "t_gd_workorder" / "data"
    debris.mkdir(parents=True)
    shutil.copy(batch.files[0], debris / "part-00000.parquet")
    quarantine = landing / "_quarantine" / "hotline" / "t_gd_workorder" / batch.run_id
    quarantine.mkdir(parents=True, exist_ok=True)
    shutil.copy(batch.files[0], quarantine / "part-00000.parquet")

    load_raw("duckdb")
    counts = _raw_counts(resolve_target("duckdb").duckdb_path)
    assert counts["hotline__t_gd_workorder"] == manifest_rows(batch)


def test_a_changed_manifest_or_file_is_refused(city_workspace: Path) -> None:
    load_raw("duckdb")
    batch = committed_batches("hotline", "t_gd_lzjl", city_workspace / "landing")[0]
    manifest = batch.path / "_manifest.json"
    doc = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(doc | {"note": "edited"}))
    with pytest.raises(LoadError, match="immutable"):
        load_raw("duckdb")


def test_a_file_that_disagrees_with_its_manifest_loads_nothing(city_workspace: Path) -> None:
    batch = committed_batches("hotline", "t_gd_lzjl", city_workspace / "landing")[0]
    doc = json.loads((batch.path / "_manifest.json").read_text())
    doc["files"][0]["rows"] += 1
    doc["files"][0].pop("sha256")
    (batch.path / "_manifest.json").write_text(json.dumps(doc))
    with pytest.raises(LoadError, match="manifest says"):
        load_raw("duckdb")
    counts = _raw_counts(resolve_target("duckdb").duckdb_path)
    assert counts["hotline__t_gd_lzjl"] == 0  # the transaction rolled back
    assert not [r for r in loaded_batches("duckdb") if r["table_name"] == "t_gd_lzjl"]


def test_a_new_source_column_is_added_to_raw(city_workspace: Path) -> None:
    load_raw("duckdb")
    with sqlite3.connect(city_workspace / "sources" / "grid_platform.sqlite") as con:
        con.execute("alter table zz_dw add column zczb real")  # 注册资本, new in the vendor's release
        con.execute("update zz_dw set zczb = 100.5, gxsj = '2026-11-02 09:00:00' where rowid in (1, 2)")
    results = extract_everything(city_workspace)
    assert results["grid_platform.zz_dw"].status == "ok", results["grid_platform.zz_dw"].error
    second = load_raw("duckdb")
    (dw,) = [t for t in second.tables if t.table == "zz_dw"]
    assert dw.columns_added == ["zczb"] and dw.batches_loaded == 1
    with duckdb.connect(str(resolve_target("duckdb").duckdb_path), read_only=True) as con:
        values = con.execute("select zczb, count(*) from raw.grid_platform__zz_dw group by 1 order by 1").fetchall()
    filled = [(float(v), n) for v, n in values if v is not None]  # typed as the connector landed it
    assert filled == [(100.5, 2)]
    assert values[-1][0] is None  # rows landed before the column existed


@pytest.mark.postgres
def test_postgres_load_matches_the_manifests_and_is_idempotent(
    city_workspace: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    first = load_raw("postgres")
    assert first.batches_loaded == len(extracted_ok(city_workspace))
    again = load_raw("postgres")
    assert again.batches_loaded == 0 and again.rows_loaded == 0
    with psycopg.connect(resolve_target("postgres").postgres_conninfo()) as pg:
        for table, rows in _landed_rows(city_workspace).items():
            assert pg.execute(f'select count(*) from raw."{table}"').fetchone()[0] == rows, table
        assert pg.execute("select count(*) from raw._loaded_batches").fetchone()[0] == first.batches_loaded
        columns = {
            r[0]
            for r in pg.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'party_building__members'"
            )
        }
    assert {"党员编号", "_yw_op", "_yw_extracted_at", "_yw_part"} <= columns


@pytest.mark.postgres
def test_postgres_database_is_created_when_missing(postgres_database: str) -> None:
    url = sa.make_url(postgres_database)
    target = Target("postgres", postgres_url=url.set(database=f"{url.database}_new").render_as_string(False))
    try:
        assert ensure_database(target) is True
        assert ensure_database(target) is False
    finally:
        with psycopg.connect(target.postgres_conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{url.database}_new" with (force)')
