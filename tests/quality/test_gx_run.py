"""GX on DuckDB batches: metrics come back, and exactly right, for planted nulls and duplicates."""

from __future__ import annotations

import pathlib

import duckdb
from planted_marts import outcome

from quality.gx_run import GxSession
from quality.suites import warehouse_suite_name
from quality.warehouse_gate import batch_query
from yiwang.contracts import warehouse_models


def test_planted_nulls_duplicates_and_references_are_reported_exactly(planted, tmp_path):
    model = warehouse_models()["dim_grid"]
    con = duckdb.connect()
    con.execute(f"attach '{planted}' as wh (read_only)")
    frame = con.execute(batch_query(model)).df()
    session = GxSession(tmp_path / "docs", "test")
    outcomes = session.validate(warehouse_suite_name("dim_grid"), frame, asset="dim_grid")
    assert all(o.element_count is not None or o.observed_value is not None for o in outcomes), "empty metric"
    nulls = outcome(outcomes, "expect_column_values_to_not_be_null", "grid_name")
    assert (nulls.success, nulls.unexpected_count, nulls.element_count) == (False, 7, 103)
    unique = outcome(outcomes, "expect_column_values_to_be_unique", "grid_code")
    assert (unique.success, unique.unexpected_count) == (False, 6)  # 3 keys, each twice
    refs = outcome(outcomes, "expect_column_values_to_be_in_set", "_yw_ref__community_code")
    assert (refs.success, refs.unexpected_count) == (False, 2)
    assert (session.build_docs()).is_file()


def test_a_clean_batch_passes_and_a_missing_column_fails(tmp_path):
    session = GxSession(tmp_path / "docs", "test")
    import pandas as pd

    frame = pd.DataFrame({"division_code": ["1", "2"], "division_name": ["a", "b"]})
    outcomes = session.validate(warehouse_suite_name("dim_division"), frame, asset="partial")
    assert not all(o.success for o in outcomes)


def test_a_relative_workspace_still_gets_its_data_docs(tmp_path, monkeypatch):
    """`make demo` runs in the workspace var/demo, a relative path; GX's file store wants an
    absolute one, so a relative docs folder must not make every gate error."""
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    session = GxSession(pathlib.Path("var/demo/quality/docs"), "test")
    frame = pd.DataFrame({"division_code": ["1"], "division_name": ["a"], "division_level": ["community"]})
    outcomes = session.validate(warehouse_suite_name("dim_division"), frame, asset="relative")
    assert outcomes and not any("base_directory" in (o.error or "") for o in outcomes)
    docs = session.build_docs()
    assert docs.is_absolute() and docs.is_file() and docs.is_relative_to(tmp_path)
