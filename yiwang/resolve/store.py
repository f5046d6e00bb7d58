"""Reading the mention models and writing schema `resolution`, on DuckDB or PostgreSQL alike: the
warehouse is attached to an in-memory DuckDB connection (yiwang.targets.attach)."""

from __future__ import annotations

import duckdb
import pandas as pd

from yiwang.duckdb_connection import identifier
from yiwang.targets import Target, attach

ALIAS = "warehouse"
SCHEMA = "resolution"


def connect(target: Target) -> duckdb.DuckDBPyConnection:
    return attach(target, ALIAS)


def exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [ALIAS, schema, table],
    ).fetchone()
    return bool(row and row[0])


def read(con: duckdb.DuckDBPyConnection, schema: str, table: str, required: bool = True) -> pd.DataFrame | None:
    """The whole table as a DataFrame; None for a missing optional table."""
    if not exists(con, schema, table):
        if required:
            raise LookupError(
                f"{schema}.{table} is missing from the warehouse: build the intermediate layer first "
                "(`yiwang build` runs it before entity resolution)"
            )
        return None
    return con.execute(f"select * from {ALIAS}.{identifier(schema)}.{identifier(table)}").df()  # noqa: S608 (quoted)


def write(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, types: dict[str, str], schema: str = SCHEMA
) -> None:
    """Replace resolution.<table> (or a candidate's `schema`) with `frame`, its columns cast to
    `types` (column → SQL type), in that order: an empty frame still makes a table with the right columns."""
    name = f"{ALIAS}.{identifier(schema)}.{identifier(table)}"
    for column in types:
        if column not in frame.columns:
            frame[column] = None
    view = f"_resolve_{table}"
    con.register(view, frame[list(types)])
    select = ", ".join(f"cast({identifier(c)} as {t}) as {identifier(c)}" for c, t in types.items())
    con.execute(f"drop table if exists {name}")
    con.execute(f"create table {name} as select {select} from {view}")  # noqa: S608 (identifiers quoted)
    con.unregister(view)


def ensure_schema(con: duckdb.DuckDBPyConnection, schema: str = SCHEMA) -> None:
    con.execute(f"create schema if not exists {ALIAS}.{identifier(schema)}")
