"""GX's SQL engine on PostgreSQL: metrics come back, and exactly right, for planted nulls, duplicate
keys and broken references; a gate that cannot connect fails closed."""

from __future__ import annotations

import psycopg
import pytest
from planted_marts import outcome, plant_statements

from quality import check_warehouse
from quality.gate import GateResult
from quality.gx_postgres import SqlSession, batch_query, contracts
from quality.gx_run import GxSession
from quality.suites import warehouse_suite_name
from yiwang.contracts import warehouse_models
from yiwang.targets import Target

pytestmark = [pytest.mark.postgres]


def _plant(url: str, schema: str = "marts") -> None:
    """The planted marts (planted_marts.py) in <schema> of the PostgreSQL database."""
    with psycopg.connect(Target("postgres", postgres_url=url).postgres_conninfo()) as con:
        for statement in plant_statements(schema):
            con.execute(statement)


def test_planted_nulls_duplicates_and_references_are_counted_exactly_on_postgres(postgres_database, tmp_path):
    _plant(postgres_database)
    session = GxSession(tmp_path / "docs", "test")
    sql = SqlSession(session, Target("postgres", postgres_url=postgres_database))
    try:
        outcomes = sql.validate(
            warehouse_suite_name("dim_grid"), batch_query(warehouse_models()["dim_grid"]), asset="dim_grid"
        )
    finally:
        sql.close()
    assert all(o.element_count is not None or o.observed_value is not None for o in outcomes), "empty metric"
    assert not any(o.error for o in outcomes), [o.error for o in outcomes if o.error]
    nulls = outcome(outcomes, "expect_column_values_to_not_be_null", "grid_name")
    assert (nulls.success, nulls.unexpected_count, nulls.element_count) == (False, 7, 103)
    unique = outcome(outcomes, "expect_column_values_to_be_unique", "grid_code")
    assert (unique.success, unique.unexpected_count) == (False, 6)  # 3 keys, each twice
    refs = outcome(outcomes, "expect_column_values_to_be_in_set", "_yw_ref__community_code")
    assert (refs.success, refs.unexpected_count) == (False, 2)
    columns = outcome(outcomes, "expect_table_columns_to_match_set", None)
    assert columns.success and "_yw_ref__community_code" in columns.observed_value
    assert session.build_docs().is_file()


def test_contracts_read_a_candidates_schemas_and_name_what_failed(postgres_database, tmp_path):
    _plant(postgres_database, "marts__c_test")
    result = GateResult("warehouse", "test")
    target = Target("postgres", postgres_url=postgres_database, schema_suffix="__c_test")
    contracts(target, GxSession(tmp_path / "docs", "test"), result)
    checks = {c.name: c for c in result.checks}
    assert not checks["contract dim_grid"].ok
    assert "not_null grid_name: 7" in checks["contract dim_grid"].detail
    assert "unique_key grid_code: 6" in checks["contract dim_grid"].detail
    assert "references community_code: 2" in checks["contract dim_grid"].detail
    assert checks["contract dim_division"].detail.startswith("error:") is False
    # not planted: the relation is missing; the expectations raise and the check fails closed
    assert not checks["contract dim_person"].ok and "UndefinedTable" in checks["contract dim_person"].detail


def test_a_warehouse_gate_that_cannot_connect_fails_closed(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    nowhere = Target("postgres", postgres_url="postgresql+psycopg://postgres@127.0.0.1:9/yiwang_nowhere")
    result = check_warehouse(nowhere)
    assert not result.ok
    assert result.error and "9" in result.error
