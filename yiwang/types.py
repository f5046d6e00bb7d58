"""The logical column types of schemas/ and what each engine calls them: one table, read by all.

`duckdb` is the type Arrow's `arrow` lands as (the connectors' casts, the raw tables);
`warehouse` names the dbt contract's data_type per target (32-bit integers, as the models cast);
`sqlite` is the simulated legacy stores' storage class; `sqlalchemy` builds their MariaDB and
PostgreSQL columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class ColumnType:
    logical: str
    arrow: pa.DataType
    duckdb: str
    warehouse: dict[str, str]  # dbt target type (duckdb, postgres) -> contract data_type
    sqlite: str
    sqlalchemy: tuple[str, dict[str, Any]]  # sqlalchemy type name and its arguments


def _type(logical, arrow, duckdb, warehouse_duckdb, warehouse_postgres, sqlite, sqlalchemy, **sa_args) -> ColumnType:
    warehouse = {"duckdb": warehouse_duckdb, "postgres": warehouse_postgres}
    return ColumnType(logical, arrow, duckdb, warehouse, sqlite, (sqlalchemy, sa_args))


# fmt: off
TYPES: dict[str, ColumnType] = {t.logical: t for t in (
    #     logical      arrow               duckdb       warehouse: duckdb, postgres           sqlite     sqlalchemy
    _type("string",    pa.string(),        "VARCHAR",   "varchar",   "text",                  "TEXT",    "Text"),
    _type("integer",   pa.int64(),         "BIGINT",    "integer",   "integer",               "INTEGER", "BigInteger"),
    _type("float",     pa.float64(),       "DOUBLE",    "double",    "double precision",      "REAL",    "Float", precision=53),  # noqa: E501
    _type("boolean",   pa.bool_(),         "BOOLEAN",   "boolean",   "boolean",               "INTEGER", "Boolean"),
    _type("date",      pa.date32(),        "DATE",      "date",      "date",                  "TEXT",    "Date"),
    _type("timestamp", pa.timestamp("us"), "TIMESTAMP", "timestamp", "timestamp without time zone", "TEXT", "DateTime"),
)}
# fmt: on


def duckdb_type_of_arrow(arrow_type: pa.DataType) -> str:
    """The DuckDB type of a landed Arrow column; text for anything the contracts do not declare."""
    return next((t.duckdb for t in TYPES.values() if t.arrow == arrow_type), "VARCHAR")


def sqlalchemy_type(logical: str):
    """A SQLAlchemy column type for `logical` (imported here only: most callers never need it)."""
    import sqlalchemy as sa

    name, args = TYPES[logical].sqlalchemy
    return getattr(sa, name)(**args)
