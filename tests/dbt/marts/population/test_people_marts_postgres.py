"""The population, housing and legal-entity marts build on PostgreSQL (full build: staging,
entity resolution, marts, every dbt test and enforced contract) and hold the same rows as on DuckDB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
from warehouse_city import open_built

from yiwang.contracts import warehouse_models
from yiwang.warehouse import build, resolve_target

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
MARTS = {
    "dim_person": "person_key",
    "person_xref": "source_platform, source_table, source_key, person_role",
    "fct_residence": "person_key, house_key, valid_from_at",
    "fct_person_phone": "person_key, phone, valid_from_at",
    "dim_household": "household_key",
    "fct_party_membership": "member_id",
    "dim_house": "house_key",
    "dim_compound": "compound_key",
    "dim_legal_entity": "legal_entity_key",
    "legal_entity_xref": "source_platform, source_table, source_key, entity_role",
}


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    both_null = a.isna().to_numpy() & b.isna().to_numpy()
    if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
        return both_null | np.isclose(a.astype(float), b.astype(float), rtol=0, atol=1e-9)
    if pd.api.types.is_datetime64_any_dtype(a):
        b = pd.to_datetime(b)
    return both_null | (a.astype(str).to_numpy() == b.astype(str).to_numpy())


def test_postgres_builds_the_same_people_house_and_legal_entity_marts(
    built_city: Path, city_workspace: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    result = build("postgres")
    assert result.ok, result.error or [(n.unique_id, n.message) for n in result.failed]
    with psycopg.connect(resolve_target("postgres").postgres_conninfo()) as pg, open_built(built_city) as duck:
        for model, order in MARTS.items():
            keys = [k.strip() for k in order.split(",")]  # sorted here: the engines' collations differ
            on_duckdb = duck.sql(f"select * from marts.{model}").df().sort_values(keys, ignore_index=True)
            cursor = pg.execute(f"select * from marts.{model}")
            on_postgres = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
            on_postgres = on_postgres.sort_values(keys, ignore_index=True)
            assert list(on_postgres.columns) == list(on_duckdb.columns), model
            assert len(on_postgres) == len(on_duckdb) > 0, model
            for column in on_duckdb.columns:
                same = _same(on_duckdb[column], on_postgres[column])
                assert same.all(), (model, column, on_duckdb[column][~same].head(3).tolist())
        # the schemas' Chinese names are the column and table comments (persist_docs)
        person = warehouse_models()["dim_person"]
        comments = dict(
            pg.execute(
                "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute as a "
                "where a.attrelid = 'marts.dim_person'::regclass and a.attnum > 0 and not a.attisdropped"
            ).fetchall()
        )
        assert all(comments[c.name].startswith(c.chinese) for c in person.columns), comments
        table_comment = pg.execute("select obj_description('marts.dim_person'::regclass, 'pg_class')").fetchone()[0]
        assert table_comment.startswith(person.chinese)
