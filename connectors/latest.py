"""The one rule for a key's latest version, shared by staging, the key index, dbt and the gates.

A key's landed versions are ordered, latest first, by VERSION_ORDER (each column descending):
the batch landed last (`_yw_run_id`: run ids sort by time), then, within a batch, the later part
(`_yw_part`: one part per unit, numbered in read order). A part holds each key at most once:
within a unit the row with the highest `latest_by` value wins when the table names that column
(nulls lose), else the row read last (`_yw_seq`). The key is gone when its latest version is a
delete (`_yw_op = 'delete'`) or carries the contract's soft-delete flag.

VERSION_ORDER lives in dbt_project.yml (var `yw_version_order`), which the macro
yw_latest_state reads too: the Python and the SQL order cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

from yiwang.duckdb_connection import identifier

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"
UNIT_ORDER = ("_yw_seq",)  # within one unit: the row read last


@cache
def version_order() -> tuple[str, ...]:
    """The landed-version ordering columns, latest first when each is sorted descending."""
    doc = yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))
    return tuple(doc["vars"]["yw_version_order"])


def order_sql(columns: Sequence[str], alias: str | None = None) -> str:
    """`c1 desc, c2 desc nulls last, ...`: the latest version sorts first (null values last)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{identifier(c)} desc nulls last" for c in columns)


def unit_order(latest_by: str | None) -> tuple[str, ...]:
    """The ordering within one unit: the table's `latest_by` column, when set, then read order."""
    return ((latest_by,) if latest_by else ()) + UNIT_ORDER


def latest_sql(relation: str, keys: Sequence[str], order: Sequence[str], where: str = "") -> str:
    """Select from `relation` (aliased x) each key's latest row by `order`; `keys` are quoted."""
    partition = ", ".join(f"x.{k}" for k in keys)
    return (
        f"select * from {relation} x{where} "  # noqa: S608 - identifiers quoted by the callers
        f"qualify row_number() over (partition by {partition} order by {order_sql(order, 'x')}) = 1"
    )


def landed_latest_sql(relation: str, keys: Sequence[str]) -> str:
    """Each key's latest landed version in `relation` (landed rows with _yw_run_id and _yw_part)."""
    return latest_sql(relation, keys, version_order())
