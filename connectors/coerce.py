"""Cast raw source columns to the contract's types, vectorised in DuckDB, and say why rows fail.

For one raw Arrow schema this builds a single SQL statement that, per batch, returns the contract
columns in their contract types (plus any new source columns under the evolve policy; a missing
contract column holds the unit instead, see `Drift.hold_reason`), and for
each row: `_yw_reason` (null when the row is good; else `type_coercion:<column>` or
`not_null:<column>`), `_yw_column`, `_yw_raw_value`, `_yw_record` (the raw row as JSON, for
quarantine), `_yw_row_hash` (md5 of the typed row as JSON) and `_yw_is_deleted` (soft delete flag).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from connectors.base import DriftError
from yiwang.contracts import Column, SourceTable
from yiwang.duckdb_connection import identifier, literal
from yiwang.types import TYPES

DUCK_TYPES = {name: t.duckdb for name, t in TYPES.items()}
_OFFSET = r"(Z|[+-][0-9][0-9]:?[0-9][0-9])$"


@dataclass(frozen=True)
class Drift:
    policy: str
    added: tuple[str, ...]
    missing: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"policy": self.policy, "added": list(self.added), "missing": list(self.missing)}

    def hold_reason(self, contract: SourceTable, unit: str) -> str | None:
        """Why a unit cannot land: a contract column the source no longer sends is never evolved
        into nulls (that would blank it for every row); None when nothing is missing."""
        if not self.missing:
            return None
        return (
            f"{contract.qualified_name}: schema drift: missing column(s) {list(self.missing)} in {unit}; "
            f"held, nothing landed, until they come back or schemas/sources/{contract.platform}/"
            f"{contract.table}.yml drops them (a missing column is never landed as nulls)"
        )


def check_drift(contract: SourceTable, schema: pa.Schema, policy: str) -> Drift:
    """Compare source columns with the contract; under freeze any difference fails, naming it."""
    names = set(schema.names)
    added = tuple(n for n in schema.names if n not in set(contract.column_names))
    missing = tuple(n for n in contract.column_names if n not in names)
    where = contract.qualified_name
    if policy == "freeze" and (added or missing):
        what = [f"new column {n!r}" for n in added] + [f"missing column {n!r}" for n in missing]
        raise DriftError(
            f"{where}: schema drift under policy freeze: {', '.join(what)}; "  # noqa: S608
            f"nothing was written (update schemas/sources/{contract.platform}/"
            f"{contract.table}.yml or set drift: evolve)"
        )
    lost_keys = [k for k in contract.primary_key if k in missing]
    if lost_keys:
        raise DriftError(f"{where}: the source lacks primary key column(s) {lost_keys}")
    if contract.cursor and contract.cursor in missing:
        raise DriftError(f"{where}: the source lacks the cursor column {contract.cursor!r}")
    for name in added:
        identifier(name)  # a new column must still be a plain identifier to be quoted
    return Drift(policy, added, missing)


def _cast(raw: str, source: pa.DataType, column: Column, timezone: str) -> str:
    target = column.type
    duck = DUCK_TYPES[target]
    if pa.types.is_null(source):
        return f"cast(null as {duck})"
    if target == "string":
        if pa.types.is_string(source) or pa.types.is_large_string(source):
            return raw
        if pa.types.is_timestamp(source) or pa.types.is_date(source):
            fmt = column.format or ("%Y-%m-%d" if pa.types.is_date(source) else "%Y-%m-%d %H:%M:%S")
            return f"strftime({raw}, {literal(fmt)})"
        return f"cast({raw} as VARCHAR)"
    if target == "integer" and (pa.types.is_floating(source) or pa.types.is_decimal(source)):
        return f"(case when {raw} = trunc({raw}) then try_cast({raw} as BIGINT) end)"
    if target == "timestamp":
        if pa.types.is_string(source) or pa.types.is_large_string(source):
            return (
                f"(case when regexp_matches({raw}, {literal(_OFFSET)}) then "
                f"timezone({literal(timezone)}, try_cast({raw} as TIMESTAMPTZ)) "
                f"else try_cast({raw} as TIMESTAMP) end)"
            )
        if pa.types.is_timestamp(source) and source.tz is not None:
            return f"timezone({literal(timezone)}, {raw})"
    return f"try_cast({raw} as {duck})"


def coercion_sql(
    contract: SourceTable,
    schema: pa.Schema,
    drift: Drift,
    relation: str,
    timezone: str,
    soft_delete: dict | None,
) -> str:
    """The per-batch statement over `relation` (a registered Arrow batch)."""
    inner, outer, checks, nulls, hashed = [], [], [], [], []
    for i, column in enumerate(contract.columns):
        raw, typed = f"__r{i}", f"__c{i}"
        name = identifier(column.name)
        if column.name in schema.names:
            inner.append(f"{name} as {raw}")
            cast = _cast(raw, schema.field(column.name).type, column, timezone)
            checks.append(
                (
                    f"{raw} is not null and {typed} is null",
                    f"type_coercion:{column.name}",
                    column.name,
                    f"cast({raw} as VARCHAR)",
                )
            )
        else:  # a missing column holds the unit before it is read (Drift.hold_reason)
            raise DriftError(f"{contract.qualified_name}: the source lacks column {column.name!r}")
        outer.append(f"{typed} as {name}")
        hashed.append(f"{name} := {typed}")
        if not column.nullable or column.name in contract.primary_key:  # a null key names no record
            nulls.append((f"{typed} is null", f"not_null:{column.name}", column.name, "null"))
        inner.append(f"{cast} as {typed}")
    for j, name in enumerate(drift.added):
        col = identifier(name)
        source_type = schema.field(name).type
        value = f"cast({col} as VARCHAR)" if pa.types.is_null(source_type) else col
        inner.append(f"{value} as __a{j}")
        outer.append(f"__a{j} as {col}")
        hashed.append(f"{col} := __a{j}")
    all_checks = checks + nulls
    reason = (
        "coalesce(" + ", ".join(f"case when {cond} then {literal(code)} end" for cond, code, _, _ in all_checks) + ")"
        if all_checks
        else "cast(null as VARCHAR)"
    )
    column_of = (
        "coalesce(" + ", ".join(f"case when {cond} then {literal(col)} end" for cond, _, col, _ in all_checks) + ")"
        if all_checks
        else "cast(null as VARCHAR)"
    )
    raw_value = (
        "coalesce(" + ", ".join(f"case when {cond} then {value} end" for cond, _, _, value in all_checks) + ")"
        if all_checks
        else "cast(null as VARCHAR)"
    )
    # the raw row as JSON is only built for rows that fail (CASE evaluates it for those alone)
    passthrough = [f"__s{k}" for k in range(len(schema.names))]
    inner += [f"{identifier(n)} as {alias}" for n, alias in zip(schema.names, passthrough, strict=True)]
    record = (
        "to_json(struct_pack("
        + ", ".join(
            f"{identifier(n)} := cast({alias} as VARCHAR)" for n, alias in zip(schema.names, passthrough, strict=True)
        )
        + "))"
    )
    deleted = "false"
    if soft_delete:
        values = ", ".join(literal(str(v)) for v in soft_delete.get("deleted_values", []))
        idx = contract.column_names.index(soft_delete["column"])
        deleted = f"coalesce(cast(__c{idx} as VARCHAR) in ({values}), false)"
    middle = (
        f"select {', '.join(outer)}, "  # noqa: S608 - identifiers quoted, values are literals
        f"{reason} as _yw_reason, {column_of} as _yw_column, {raw_value} as _yw_raw_value, "
        f"md5(to_json(struct_pack({', '.join(hashed)}))) as _yw_row_hash, "
        f"{deleted} as _yw_is_deleted, {', '.join(passthrough)} "
        f"from (select {', '.join(inner)} from {relation})"
    )
    return (
        f"select * exclude ({', '.join(passthrough)}), "  # noqa: S608
        f"case when _yw_reason is not null then {record} end as _yw_record from ({middle})"
    )
