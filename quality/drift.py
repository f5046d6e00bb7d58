"""Drift against the last published version (漂移检查): the values contracts cannot see.

The candidate is compared with a stored profile (counts, not rows) of the version readers see
now: rows per mart and platform, null and distinct shares, coded value shares, ID-number checksum
share, sex against the ID number. The comparisons are GX expectations with bounds from the
profile and tolerances from config.yml `warehouse.drift` (docs/quality.md, Drift).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import great_expectations as gx
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from quality.gate import Check, GateResult
from quality.suites import format_kind
from yiwang.contracts import Column, WarehouseModel, source_tables, warehouse_models
from yiwang.duckdb_connection import identifier, literal

PROFILE_TABLE = "published_profile"
PROFILE_FORMAT = 1
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643 / ISO 7064 MOD 11-2
ID_CHECK_CHARACTERS = "10X98765432"
Relation = Callable[[str], str]  # a mart's name → its quoted relation


def checksum_column(column: str) -> str:
    return f"_yw_checksum__{column}"


def agrees_column(column: str) -> str:
    return f"_yw_agrees__{column}"


# no `%` in these helpers: GX's SQL engine hands the query to psycopg, which reads `%` as a placeholder
def _digit(col: str, position: int) -> str:
    # strpos, not a cast: a stray character yields -1 instead of an error, on both engines
    return f"(strpos('0123456789', substr({col}, {position}, 1)) - 1)"


def checksum_sql(col: str) -> str:
    """True when the quoted column `col` holds 17 digits and the right MOD 11-2 check character,
    false for any other text, null for null (DuckDB and PostgreSQL alike)."""
    total = " + ".join(f"{w} * {_digit(col, i + 1)}" for i, w in enumerate(ID_WEIGHTS))
    return (
        f"case when {col} is null then null when length({col}) = 18 and {col} similar to '[0-9]{{17}}[0-9X]' "
        f"then substr('{ID_CHECK_CHARACTERS}', mod({total}, 11) + 1, 1) = substr({col}, 18, 1) else false end"
    )


def sex_agrees_sql(id_col: str, sex_col: str, odd: str, even: str) -> str:
    """True when the sex column says what the ID number's 17th digit says (odd: `odd`), null when
    either is missing or the number fails its checksum."""
    return (
        f"case when {sex_col} is null or not coalesce({checksum_sql(id_col)}, false) then null "
        f"else {sex_col} = case when mod({_digit(id_col, 17)}, 2) = 1 then {literal(odd)} "
        f"else {literal(even)} end end"
    )


def id_number_columns(model: WarehouseModel) -> list[str]:
    return [c.name for c in model.columns if c.type == "string" and format_kind(c) == "id_number"]


def sex_pairs(model: WarehouseModel, tolerances: dict) -> list[dict]:
    """The (id_number, sex) pairs config.yml declares for this mart."""
    declared = (tolerances.get("sex_from_id_number") or {}).get(model.model) or []
    return [declared] if isinstance(declared, dict) else list(declared)


def _coded(c: Column) -> bool:
    return bool(c.allowed_values) or c.type == "boolean"


def _open_text(c: Column) -> bool:
    return c.type == "string" and not c.allowed_values


def drift_query(model: WarehouseModel, relation: Relation, tolerances: dict) -> str:
    """The mart's rows plus one helper per ID-number column (checksum) and per sex pair (agreement)."""
    helpers = [
        f"{checksum_sql('t.' + identifier(c))} as {identifier(checksum_column(c))}" for c in id_number_columns(model)
    ]
    for pair in sex_pairs(model, tolerances):
        agrees = sex_agrees_sql(
            "t." + identifier(pair["id_number"]), "t." + identifier(pair["sex"]), pair["odd"], pair["even"]
        )
        helpers.append(f"{agrees} as {identifier(agrees_column(pair['sex']))}")
    return f"select t.*{''.join(', ' + h for h in helpers)} from {relation(model.model)} as t"  # noqa: S608


def _platform_mart(tolerances: dict) -> tuple[str, str]:
    spec = tolerances.get("platform_rows") or {}
    return spec.get("mart", "record_xref"), spec.get("column", "source_platform")


# the profile: counts of one version, computed in DuckDB SQL over an attached warehouse


def profile(con, relation: Relation, tolerances: dict, exists: Callable[[str], bool]) -> dict:
    """The profile of the marts `relation` names (those for which `exists` is true)."""
    marts: dict[str, Any] = {}
    for name, model in warehouse_models().items():
        if not exists(name) or name in tolerances.get("not_compared", ()):
            continue
        parts, keys = ["count(*)"], [("rows",)]
        for c in model.columns:
            parts.append(f"count({identifier(c.name)})")
            keys.append(("nonnull", c.name))
            if _open_text(c):
                parts.append(f"count(distinct {identifier(c.name)})")
                keys.append(("distinct", c.name))
        helpers = [("checksum", c, checksum_column(c)) for c in id_number_columns(model)]
        helpers += [("agrees", p["sex"], agrees_column(p["sex"])) for p in sex_pairs(model, tolerances)]
        for kind, column, helper in helpers:
            parts += [f"count({identifier(helper)})", f"count(*) filter (where {identifier(helper)})"]
            keys += [(kind, column, "checked"), (kind, column, "passed")]
        query = drift_query(model, relation, tolerances)
        row = con.execute(f"select {', '.join(parts)} from ({query}) as d").fetchone()  # noqa: S608
        doc: dict[str, Any] = {"rows": 0, "columns": {}, "checksum": {}, "agrees": {}}
        for key, value in zip(keys, row, strict=True):
            if key == ("rows",):
                doc["rows"] = int(value)
            elif key[0] in ("nonnull", "distinct"):
                doc["columns"].setdefault(key[1], {})[key[0]] = int(value)
            else:
                doc[key[0]].setdefault(key[1], {})[key[2]] = int(value)
        for c in model.columns:
            if _coded(c):
                col = identifier(c.name)
                values = con.execute(
                    f"select {col}, count(*) from {relation(name)} where {col} is not null group by 1 order by 1"  # noqa: S608
                ).fetchall()
                doc["columns"][c.name]["values"] = [[v, int(n)] for v, n in values]
        marts[name] = doc
    platforms: dict[str, int] = {}
    mart_name, column = _platform_mart(tolerances)
    if mart_name in marts:
        rows = con.execute(f"select {identifier(column)}, count(*) from {relation(mart_name)} group by 1").fetchall()  # noqa: S608
        platforms = {str(p): int(n) for p, n in rows if p is not None}
    return {"format": PROFILE_FORMAT, "marts": marts, "platforms": platforms}


def _tables(con, alias: str, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ?", [alias, schema]
    ).fetchall()
    return {r[0] for r in rows}


def profile_of(con, alias: str, marts_schema: str, tolerances: dict) -> dict:
    """The profile of the marts in `alias.marts_schema` (an attached DuckDB file or PostgreSQL database)."""
    present = _tables(con, alias, marts_schema)
    return profile(
        con,
        lambda name: f"{alias}.{identifier(marts_schema)}.{identifier(name)}",
        tolerances,
        lambda name: name in present,
    )


def store_profile(con, alias: str, quality_schema: str, marts_schema: str, run_id: str, tolerances: dict) -> dict:
    """Profile the marts being published and keep the profile beside them, for the next run's gate."""
    doc = profile_of(con, alias, marts_schema, tolerances)
    table = f"{alias}.{identifier(quality_schema)}.{identifier(PROFILE_TABLE)}"
    con.execute(f"create schema if not exists {alias}.{identifier(quality_schema)}")
    con.execute(f"create table if not exists {table} (run_id varchar, profiled_at timestamptz, profile varchar)")
    con.execute(f"insert into {table} values (?, now(), ?)", [run_id, json.dumps(doc, ensure_ascii=False)])  # noqa: S608
    return doc


def published_profile(con, alias: str, quality_schema: str, marts_schema: str, tolerances: dict):
    """(profile, where it came from) of the published version attached as `alias`; (None, why) when
    nothing is published."""
    if not _tables(con, alias, marts_schema):
        return None, "no published version"
    if PROFILE_TABLE in _tables(con, alias, quality_schema):
        row = con.execute(
            f"select run_id, profile from {alias}.{identifier(quality_schema)}.{identifier(PROFILE_TABLE)} "  # noqa: S608
            "order by profiled_at desc limit 1"
        ).fetchone()
        if row is not None:
            doc = json.loads(row[1])
            if doc.get("format") == PROFILE_FORMAT:
                return doc, f"the profile stored with published run {row[0]}"
    return profile_of(con, alias, marts_schema, tolerances), "a profile of the published marts (none stored)"


# expectations: bounds from the published profile


def _e(kind: str, kwargs: dict, **meta: Any) -> ExpectationConfiguration:
    return ExpectationConfiguration(type=kind, kwargs=kwargs, meta={"check": "drift", **meta})


def row_bounds(rows: int, tolerances: dict) -> tuple[int, int]:
    spec = tolerances["rows"]
    slack = max(math.ceil(rows * float(spec["max_change"])), int(spec["min_change_rows"]))
    return max(rows - slack, 0), rows + slack


def _partition(values: list, column: Column) -> dict:
    """The published shares over every allowed value, add-half smoothed so a value the published
    version lacked has a small weight, not zero (the divergence stays finite)."""
    counts: dict[Any, float] = {}
    allowed = [True, False] if column.type == "boolean" else list(column.allowed_values or ())
    if column.type == "integer":
        allowed = [int(v) for v in allowed]
    for v in allowed:
        counts[v] = 0.0
    for v, n in values:
        counts[v] = counts.get(v, 0.0) + n
    total = sum(counts.values()) + 0.5 * len(counts)
    ordered = sorted(counts, key=str)
    return {"values": ordered, "weights": [(counts[v] + 0.5) / total for v in ordered]}


def mart_expectations(model: WarehouseModel, old: dict, tolerances: dict) -> list[ExpectationConfiguration]:
    """The drift expectations of one mart against its published profile `old`."""
    low, high = row_bounds(old["rows"], tolerances)
    out = [
        _e(
            "expect_table_row_count_to_be_between",
            {"min_value": low, "max_value": high},
            measure="rows",
            published=old["rows"],
            allowed=f"{low}..{high}",
        )
    ]
    least = int(tolerances["min_rows"])
    for c in model.columns:
        stats = old["columns"].get(c.name)
        if not stats or old["rows"] < least:
            continue
        nonnull = stats["nonnull"]
        if c.nullable:
            share = nonnull / old["rows"]
            mostly = round(share - float(tolerances["max_null_share_rise"]), 6)
            if mostly > 0:
                out.append(
                    _e(
                        "expect_column_values_to_not_be_null",
                        {"column": c.name, "mostly": mostly},
                        measure="null share",
                        column=c.name,
                        published=round(1 - share, 4),
                        allowed=f"<= {round(1 - mostly, 4)}",
                    )
                )
        if nonnull < least:
            continue
        # a column of a few categories may lose one in a normal day; collapse is about many values
        if stats.get("distinct", 0) >= int(tolerances["min_distinct_values"]):
            proportion = stats["distinct"] / nonnull
            floor = round(proportion * (1 - float(tolerances["max_distinct_share_drop"])), 6)
            out.append(
                _e(
                    "expect_column_proportion_of_unique_values_to_be_between",
                    {"column": c.name, "min_value": floor, "max_value": None},
                    measure="distinct share",
                    column=c.name,
                    published=round(proportion, 4),
                    allowed=f">= {floor}",
                )
            )
        if "values" in stats:
            threshold = float(tolerances["max_kl_divergence"])
            out.append(
                _e(
                    "expect_column_kl_divergence_to_be_less_than",
                    {"column": c.name, "partition_object": _partition(stats["values"], c), "threshold": threshold},
                    measure="value shares (KL divergence)",
                    column=c.name,
                    published={str(v): n for v, n in stats["values"]},
                    allowed=f"<= {threshold}",
                )
            )
    for kind, helper, tolerance, label in (
        ("checksum", checksum_column, "max_id_checksum_share_drop", "ID-number checksum share"),
        ("agrees", agrees_column, "max_sex_agreement_drop", "sex agrees with ID number"),
    ):
        for column, counts in old.get(kind, {}).items():
            if counts["checked"] < least:
                continue
            share = counts["passed"] / counts["checked"]
            mostly = round(share - float(tolerances[tolerance]), 6)
            if mostly > 0:
                out.append(
                    _e(
                        "expect_column_values_to_be_in_set",
                        {"column": helper(column), "value_set": [True], "mostly": mostly},
                        measure=label,
                        column=column,
                        published=round(share, 4),
                        allowed=f">= {mostly}",
                    )
                )
    return out


def suite(name: str, expectations: list[ExpectationConfiguration]) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=name, expectations=[e.to_domain_obj() for e in expectations])


def platform_query(relation: Relation, tolerances: dict, platform: str) -> str:
    mart_name, column = _platform_mart(tolerances)
    return f"select * from {relation(mart_name)} where {identifier(column)} = {literal(platform)}"  # noqa: S608


def plan(old: dict, tolerances: dict, relation: Relation) -> tuple[list[tuple], list[Check]]:
    """What to validate: (check name, asset, query, suite) per mart and per platform, and the checks
    decided without data (a mart or platform the published version did not have)."""
    staged, decided = [], []
    for name, model in warehouse_models().items():
        if name in tolerances.get("not_compared", ()):
            decided.append(Check(f"drift {name}", True, "not compared (drift.not_compared in quality/config.yml)"))
            continue
        if name not in old["marts"]:
            decided.append(Check(f"drift {name}", True, "not in the published version: nothing to compare"))
            continue
        expectations = mart_expectations(model, old["marts"][name], tolerances)
        query = drift_query(model, relation, tolerances)
        staged.append((f"drift {name}", f"drift_{name}", query, suite(f"drift.{name}", expectations)))
    platforms = sorted({t.platform for t in source_tables()} | set(old.get("platforms", {})))
    mart_name, _ = _platform_mart(tolerances)
    for platform in platforms:
        rows = old.get("platforms", {}).get(platform)
        if rows is None or mart_name not in old["marts"]:
            decided.append(Check(f"drift platform {platform}", True, "no published records: nothing to compare"))
            continue
        low, high = row_bounds(rows, tolerances)
        expectation = _e(
            "expect_table_row_count_to_be_between",
            {"min_value": low, "max_value": high},
            measure=f"{mart_name} rows",
            published=rows,
            allowed=f"{low}..{high}",
        )
        staged.append(
            (
                f"drift platform {platform}",
                f"drift_platform_{platform}",
                platform_query(relation, tolerances, platform),
                suite(f"drift.platform.{platform}", [expectation]),
            )
        )
    return staged, decided


def _observed(o) -> Any:
    """What the candidate has, in the unit of the published value."""
    if o.expectation == "expect_column_values_to_not_be_null" and o.element_count:
        return round((o.unexpected_count or 0) / o.element_count, 4)
    if o.expectation == "expect_column_values_to_be_in_set":
        checked = (o.element_count or 0) - (o.missing_count or 0)
        return round(1 - (o.unexpected_count or 0) / checked, 4) if checked else None
    if isinstance(o.observed_value, float):
        return round(o.observed_value, 4)
    return o.observed_value


def describe(o) -> str:
    what = f"{o.meta.get('measure', o.expectation)}{' ' + o.meta['column'] if o.meta.get('column') else ''}"
    if o.error:
        return f"{what}: error {o.error}"
    published = o.meta.get("published")
    return f"{what}: {_observed(o)} (published {published}, allowed {o.meta.get('allowed')})"


def checks_of(name: str, outcomes: list) -> Check:
    failed = [o for o in outcomes if not o.success]
    if not outcomes:
        return Check(name, False, "no expectation was validated")
    counted = next((o for o in outcomes if o.expectation == "expect_table_row_count_to_be_between"), None)
    rows = counted.observed_value if counted is not None else None
    ok_detail = f"{len(outcomes)} expectations" + (
        f", rows {counted.meta.get('published')} → {rows}" if counted is not None else ""
    )
    return Check(name, not failed, "; ".join(describe(o) for o in failed) or ok_detail, rows)


def accept(result: GateResult, reason: str = "accepted (--accept-drift)") -> None:
    """An intended big change: failing drift checks stay in the table, marked accepted, and pass."""
    for check in result.checks:
        if check.name.startswith("drift") and not check.ok:
            check.ok = True
            check.detail = f"{reason}: {check.detail}"
            result.extra.setdefault("drift_accepted", []).append(check.name)
