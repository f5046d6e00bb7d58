"""The event and grid marts build on PostgreSQL (built-in geometric types for point-in-polygon)
and hold the same rows as on DuckDB (spatial extension)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
from event_marts_city import build_event_marts, open_warehouse

from yiwang.warehouse import resolve_target

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
MARTS = {
    "fct_event": "event_key",
    "fct_event_stage": "event_key, step_sequence",
    "dim_grid": "grid_code",
    "dim_division": "division_code, valid_from_date",
}


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    both_null = a.isna().to_numpy() & b.isna().to_numpy()
    if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
        close = np.isclose(a.astype(float), b.astype(float), rtol=0, atol=1e-9)
        return both_null | close
    return both_null | (a.astype(str).to_numpy() == b.astype(str).to_numpy())


def test_postgres_builds_the_same_event_and_grid_marts(
    event_city: Path, city_workspace: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    build_event_marts(city_workspace, "postgres", monkeypatch)
    with (
        psycopg.connect(resolve_target("postgres").postgres_conninfo()) as pg,
        open_warehouse(event_city) as duck,
    ):
        for model, order in MARTS.items():
            on_duckdb = duck.sql(f"select * from marts.{model} order by {order}").df()
            cursor = pg.execute(f"select * from marts.{model} order by {order}")
            on_postgres = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
            assert list(on_postgres.columns) == list(on_duckdb.columns), model
            assert len(on_postgres) == len(on_duckdb) > 0, model
            for column in on_duckdb.columns:
                a, b = on_duckdb[column], on_postgres[column]
                if pd.api.types.is_datetime64_any_dtype(a):
                    b = pd.to_datetime(b)
                same = _same(a, b)
                assert same.all(), (model, column, a[~same].head(3).tolist(), b[~same].head(3).tolist())
