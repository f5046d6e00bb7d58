"""Planted marts for the GX tests, the same rows on DuckDB and PostgreSQL: <schema>.dim_division
(5 communities) and <schema>.dim_grid with 7 null names, 3 duplicated keys (6 rows) and 2 broken
references, 103 rows in all."""

from __future__ import annotations

from yiwang.contracts import warehouse_models
from yiwang.duckdb_connection import identifier


def plant_statements(schema: str = "marts") -> list[str]:
    """The SQL that plants the marts (generate_series reads alike on both engines)."""
    models = warehouse_models()
    s = identifier(schema)
    statements = [f"create schema {s}"]
    for name in ("dim_division", "dim_grid"):
        cols = ", ".join(f"{identifier(c.name)} varchar" for c in models[name].columns)
        statements.append(f"create table {s}.{identifier(name)} ({cols})")
    return [
        *statements,
        f"insert into {s}.dim_division (division_code, division_name, division_level) "
        "select 'C' || i, 'D' || i, 'community' from generate_series(0, 4) as t(i)",
        f"insert into {s}.dim_grid (grid_code, grid_name, community_code) "
        "select 'G' || i, case when i < 7 then null else 'name' end, "
        "case when i < 2 then 'nowhere' else 'C' || (i % 5) end from generate_series(0, 99) as t(i)",
        f"insert into {s}.dim_grid (grid_code, grid_name, community_code) "
        "select 'G' || i, 'dup', 'C1' from generate_series(0, 2) as t(i)",
    ]


def outcome(outcomes, kind: str, column):
    """The outcome of expectation `kind` on `column` (a column list for compound keys; None for table-level)."""
    return next(
        o for o in outcomes if o.expectation == kind and o.kwargs.get("column", o.kwargs.get("column_list")) == column
    )
