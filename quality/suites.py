"""Expectation suites (期望套件) generated from schemas/ plus quality/expectations.yml, committed
in GX layout under quality/gx/expectations/ (`python -m quality.suites` rewrites them; a test
fails when they drift). Each expectation's meta carries the quarantine `reason` and `column`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import great_expectations as gx
import yaml
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from quality.config import PACKAGE_DIR, load_config
from yiwang.contracts import Column, SourceTable, WarehouseModel, source_tables, warehouse_models
from yiwang.duckdb_connection import identifier

SUITES_DIR = PACKAGE_DIR / "gx" / "expectations"
DOMAIN_FILE = PACKAGE_DIR / "expectations.yml"
ENCODING_COLUMN = "_yw_encoding"


def format_column(column: str) -> str:
    return f"_yw_format__{column}"


def ref_column(column: str) -> str:
    return f"_yw_ref__{column}"


def batch_query(model: WarehouseModel, relation: Callable[[str], str]) -> str:
    """The rows a warehouse suite validates: the mart plus one `_yw_ref__<column>` per reference
    (null when the value is null). `relation(mart name)` is the engine's quoted table, so DuckDB
    and PostgreSQL validate the same query."""
    helpers = []
    for c in model.columns:
        if c.references:
            parent, _, key = c.references.partition(".")
            col = f"t.{identifier(c.name)}"
            parents = f"select {identifier(key)} from {relation(parent)}"  # noqa: S608
            helpers.append(
                f"case when {col} is null then null else {col} in ({parents}) end as {identifier(ref_column(c.name))}"
            )
    return f"select t.*{''.join(', ' + h for h in helpers)} from {relation(model.model)} as t"  # noqa: S608


def landing_suite_name(platform: str, table: str) -> str:
    return f"landing.{platform}.{table}"


def warehouse_suite_name(model: str) -> str:
    return f"warehouse.{model}"


def format_kind(column: Column) -> str | None:
    """id_number, credit_code or phone when the column's Chinese name says so (config formats)."""
    for kind, words in load_config()["landing"]["formats"].items():
        if any(word in column.chinese for word in words):
            return kind
    return None


def _code_values(column: Column) -> list[Any] | None:
    values = list(column.allowed or ()) or list((column.codes or {}).keys())
    if not values:
        return None
    if column.type == "integer":
        return sorted(int(v) for v in values)
    return [str(v) for v in values]


def _e(kind: str, kwargs: dict, **meta: Any) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": meta}


def landing_expectations(contract: SourceTable) -> list[dict]:
    out = [
        _e("expect_column_to_exist", {"column": c.name}, reason="structure", column=c.name) for c in contract.columns
    ]
    for c in contract.columns:
        if not c.nullable:
            out.append(_e("expect_column_values_to_not_be_null", {"column": c.name}, reason="required", column=c.name))
    for c in contract.columns:
        values = _code_values(c)
        if values:
            out.append(
                _e(
                    "expect_column_values_to_be_in_set",
                    {"column": c.name, "value_set": values},
                    reason="code",
                    column=c.name,
                )
            )
    for c in contract.columns:
        kind = format_kind(c)
        if kind:
            out.append(
                _e("expect_column_values_to_be_null", {"column": format_column(c.name)}, reason=kind, column=c.name)
            )
    out.append(_e("expect_column_values_to_be_null", {"column": ENCODING_COLUMN}, reason="encoding", column=None))
    return out


def warehouse_expectations(model: WarehouseModel) -> list[dict]:
    names = [c.name for c in model.columns] + [ref_column(c.name) for c in model.columns if c.references]
    out = [_e("expect_table_columns_to_match_set", {"column_set": names, "exact_match": True}, check="contract")]
    for c in model.columns:
        if not c.nullable:
            out.append(_e("expect_column_values_to_not_be_null", {"column": c.name}, check="not_null", column=c.name))
    key = list(model.primary_key)
    if len(key) == 1:
        out.append(_e("expect_column_values_to_be_unique", {"column": key[0]}, check="unique_key", column=key[0]))
    elif key:
        out.append(
            _e("expect_compound_columns_to_be_unique", {"column_list": key}, check="unique_key", column=",".join(key))
        )
    for c in model.columns:
        if c.allowed:
            values = [str(v) for v in c.allowed]
            out.append(
                _e(
                    "expect_column_values_to_be_in_set",
                    {"column": c.name, "value_set": values},
                    check="allowed",
                    column=c.name,
                )
            )
    for c in model.columns:
        if c.references:
            out.append(
                _e(
                    "expect_column_values_to_be_in_set",
                    {"column": ref_column(c.name), "value_set": [True]},
                    check="references",
                    column=c.name,
                    references=c.references,
                )
            )
    return out


def domain_expectations() -> dict[str, list[dict]]:
    doc = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    return {
        suite: [
            _e(e["type"], e["kwargs"], check="domain", reason=e.get("reason", "domain"), notes=e.get("notes"))
            for e in items
        ]
        for suite, items in doc.items()
    }


def generate() -> dict[str, dict]:
    """Every suite as GX 1.x suite JSON (no ids), by name."""
    suites: dict[str, list[dict]] = {}
    for contract in source_tables():
        suites[landing_suite_name(contract.platform, contract.table)] = landing_expectations(contract)
    for name, model in warehouse_models().items():
        suites[warehouse_suite_name(name)] = warehouse_expectations(model)
    for name, items in domain_expectations().items():
        if name not in suites:
            raise ValueError(f"{DOMAIN_FILE}: unknown suite {name!r}")
        suites[name] = suites[name] + items
    return {
        name: {"name": name, "expectations": items, "meta": {"generated_from": "schemas/ and quality/expectations.yml"}}
        for name, items in sorted(suites.items())
    }


def write(directory: Path = SUITES_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    wanted = generate()
    for old in directory.glob("*.json"):
        if old.stem not in wanted:
            old.unlink()
    for name, doc in wanted.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def load_suite(name: str, directory: Path = SUITES_DIR) -> gx.ExpectationSuite:
    """The committed suite `name` as a GX ExpectationSuite."""
    doc = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    return gx.ExpectationSuite(
        name=doc["name"],
        expectations=[
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e["meta"]).to_domain_obj()
            for e in doc["expectations"]
        ],
        meta=doc.get("meta"),
    )


if __name__ == "__main__":
    for p in write():
        print(p.relative_to(PACKAGE_DIR.parent))
