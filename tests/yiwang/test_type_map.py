"""The one type map: every logical type of schemas/ is in it, and every engine agrees with it."""

from __future__ import annotations

import duckdb
import psycopg
import pyarrow as pa
import pytest
import sqlalchemy as sa
import yaml

from connectors.coerce import DUCK_TYPES
from yiwang.contracts import COLUMN_TYPES, schemas_root
from yiwang.resolve.resolver import SQL_TYPES
from yiwang.simulate.stores import SQLITE_TYPES
from yiwang.types import TYPES, duckdb_type_of_arrow, sqlalchemy_type
from yiwang.warehouse.generate import CONTRACT_TYPES


def _logical_types(node) -> set[str]:
    """Every `type:` of a column in a schemas/ document."""
    found = set()
    if isinstance(node, dict):
        columns = node.get("columns")
        if isinstance(columns, list):
            found |= {c["type"] for c in columns if isinstance(c, dict) and "type" in c}
        for value in node.values():
            found |= _logical_types(value)
    elif isinstance(node, list):
        for value in node:
            found |= _logical_types(value)
    return found


def test_every_type_in_schemas_is_in_the_map():
    used = set()
    for path in schemas_root().rglob("*.yml"):
        used |= _logical_types(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert {"string", "integer", "timestamp"} <= used  # the walk found the columns
    assert used <= set(TYPES)


def test_every_place_reads_the_map():
    assert COLUMN_TYPES == {name: t.arrow for name, t in TYPES.items()}
    assert DUCK_TYPES == {name: t.duckdb for name, t in TYPES.items()}
    assert SQL_TYPES == {name: t.warehouse["duckdb"] for name, t in TYPES.items()}
    assert SQLITE_TYPES == {name: t.sqlite for name, t in TYPES.items()}
    for target, types in CONTRACT_TYPES.items():
        assert types == {name: t.warehouse[target] for name, t in TYPES.items()}


@pytest.mark.parametrize("logical", list(TYPES))
def test_duckdb_lands_arrow_as_the_map_says(logical):
    t = TYPES[logical]
    con = duckdb.connect()
    con.register("landed", pa.table({"v": pa.nulls(1, t.arrow)}))
    assert con.execute("select typeof(v) from landed").fetchone()[0] == t.duckdb
    assert duckdb_type_of_arrow(t.arrow) == t.duckdb
    cast = con.execute(f"select typeof(cast(null as {t.warehouse['duckdb']}))").fetchone()[0]
    assert cast.lower() == t.warehouse["duckdb"]


def test_postgres_knows_every_warehouse_type(postgres_database):
    url = sa.make_url(postgres_database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as con:
        for logical, t in TYPES.items():
            name = t.warehouse["postgres"]
            assert con.execute(f"select pg_typeof(cast(null as {name}))::text").fetchone()[0] == name, logical
            assert isinstance(sqlalchemy_type(logical), sa.types.TypeEngine)
