"""Generate dbt files from schemas/ (one source of truth): sources from schemas/sources, the
marts' enforced contracts from schemas/warehouse.

    uv run python -m yiwang.warehouse.generate          # rewrite the generated files
    uv run python -m yiwang.warehouse.generate --check  # exit 1 when one is stale (tests do this)

Writes
- dbt_project/models/staging/<platform>/_<platform>__sources.yml: the platform's raw tables
  (raw.<platform>__<table>) with freshness on `_yw_extracted_at`, every source column described
  with its Chinese field name, and the contract's keys, delete style, code lists and formats in
  `meta`;
- dbt_project/macros/staging/_yw_source_contracts.sql: the same facts as a Jinja dictionary for
  the staging macros (keys, soft deletes, time zone, column types, formats, code lists), which
  also works where dbt's graph is empty (unit tests, parsing);
- dbt_project/models/marts/<domain>/_<domain>__models.yml: every mart of the domain with an
  enforced contract (column names, order and types), column docs with the Chinese names and
  PII classes, and the tests the schema implies (not_null, unique or a unique combination for
  the primary key, accepted_values from `allowed`, relationships from `references`) plus the
  schema file's extra `tests`;
- dbt_project/models/marts/_resolution__sources.yml: the entity resolver's output tables as dbt
  sources (column docs, not_null and accepted_values from schemas/resolution), and an exposure
  `entity_resolution` on the intermediate mention models it reads, so dbt's lineage shows both
  ends of the Python step (dbt has no edge from a model into a source);
- quality/gx/expectations/*.json: the quality gates' Great Expectations suites (quality/suites.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from yiwang.contracts import (
    Column,
    Platform,
    SourceTable,
    WarehouseModel,
    resolution_tables,
    source_platforms,
    warehouse_models,
)
from yiwang.types import TYPES
from yiwang.warehouse.load import PART_COLUMN, RAW_SCHEMA, raw_table_name

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
STAGING_DIR = PROJECT_DIR / "models" / "staging"
MARTS_DIR = PROJECT_DIR / "models" / "marts"
# Logical column types of schemas/warehouse → the contract's data_type in each target's own
# words. dbt renders YAML with `target` but without the project's macros, hence a Jinja literal.
CONTRACT_TYPES = {target: {name: t.warehouse[target] for name, t in TYPES.items()} for target in ("duckdb", "postgres")}


def contract_type(logical: str) -> str:
    """The Jinja expression that names `logical` (a schemas/ type) as the current target's type."""
    by_target = ", ".join(f"'{t}': '{types[logical]}'" for t, types in CONTRACT_TYPES.items())
    return "{{ {" + by_target + "}[target.type] }}"


MARTS_HEADER = (
    "# Generated from schemas/warehouse/ ({files}) by `uv run python -m yiwang.warehouse.generate`.\n"
    "# Do not edit: change the schema file and regenerate (tests/schemas checks this file is current).\n"
)
FRESHNESS = {"warn_after": {"count": 26, "period": "hour"}, "error_after": {"count": 74, "period": "hour"}}
LINEAGE_DOCS = {
    "_yw_platform": "lineage_platform",
    "_yw_table": "lineage_table",
    "_yw_run_id": "lineage_run_id",
    "_yw_extracted_at": "lineage_extracted_at",
    "_yw_row_hash": "lineage_row_hash",
    "_yw_op": "lineage_op",
    PART_COLUMN: "lineage_part",
}
HEADER = (
    "# Generated from schemas/sources/{platform}/ by `uv run python -m yiwang.warehouse.generate`.\n"
    "# Do not edit: change the contract and regenerate (tests/dbt checks this file is current).\n"
)


class _Dumper(yaml.SafeDumper):
    """Block style, but short lists of scalars stay on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(isinstance(v, str | int | float | bool) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def _column(column: Column) -> dict:
    description = f"{column.chinese} ({column.name}): {column.description or column.chinese}"
    meta: dict = {"chinese": column.chinese, "type": column.type, "pii": column.pii}
    if column.format:
        meta["format"] = column.format
    if column.codes:
        meta["codes"] = dict(column.codes)
    elif column.allowed:
        meta["allowed"] = list(column.allowed)
    out = {"name": column.name, "description": description}
    if not column.name.isascii() or column.name != column.name.lower():
        out["quote"] = True
    out["config"] = {"meta": meta}
    return out


def _table(table: SourceTable) -> dict:
    meta: dict = {
        "chinese": table.chinese,
        "entity": table.entity,
        "store": table.store,
        "primary_key": list(table.primary_key),
        "cursor": table.cursor,
        "delete_style": table.delete_style,
    }
    if table.soft_delete:
        meta["soft_delete"] = {
            "column": table.soft_delete["column"],
            "deleted_values": [str(v) for v in table.soft_delete.get("deleted_values", [])],
        }
    columns = [_column(c) for c in table.columns]
    columns += [{"name": name, "description": f'{{{{ doc("{doc}") }}}}'} for name, doc in LINEAGE_DOCS.items()]
    return {
        "name": table.table,
        "identifier": raw_table_name(table.platform, table.table),
        "description": f"{table.chinese} ({table.table}): {table.description}",
        "config": {"meta": meta},
        "columns": columns,
    }


def sources_yaml(platform: Platform) -> str:
    doc = {
        "version": 2,
        "sources": [
            {
                "name": platform.name,
                "description": f"{platform.chinese}: {platform.description}",
                "schema": RAW_SCHEMA,
                "config": {
                    "loaded_at_field": "_yw_extracted_at",
                    "freshness": FRESHNESS,
                    "meta": {"chinese": platform.chinese, "timezone": platform.timezone, "store": platform.store},
                },
                "tables": [_table(t) for t in platform.tables.values()],
            }
        ],
    }
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return HEADER.format(platform=platform.name) + body


def _jinja(value) -> str:
    """A Python value as a Jinja literal (strings single-quoted, escaped)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_jinja(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_jinja(str(k))}: {_jinja(v)}" for k, v in value.items()) + "}"
    return str(value)


def contracts_macro() -> str:
    lines = [
        "{#- Generated from schemas/sources by `uv run python -m yiwang.warehouse.generate`. Do not edit:",
        "    change the contracts and regenerate (tests/dbt checks this file is current).",
        "    yw__source_contracts()[platform][table]: primary_key, soft_delete, timezone and, per column,",
        "    type, format and codes; read by yw_source_meta and yw_source_column_meta. -#}",
        "{% macro yw__source_contracts() -%}",
        "{{ return({",
    ]
    platforms = list(source_platforms().values())
    for i, platform in enumerate(platforms):
        lines.append(f"    {_jinja(platform.name)}: {{")
        tables = list(platform.tables.values())
        for j, table in enumerate(tables):
            soft = None
            if table.soft_delete:
                soft = {
                    "column": table.soft_delete["column"],
                    "deleted_values": [str(v) for v in table.soft_delete.get("deleted_values", [])],
                }
            lines.append(f"        {_jinja(table.table)}: {{")
            lines.append(f"            'primary_key': {_jinja(list(table.primary_key))},")
            lines.append(f"            'delete_style': {_jinja(table.delete_style)},")
            lines.append(f"            'soft_delete': {_jinja(soft)},")
            lines.append(f"            'timezone': {_jinja(platform.timezone)},")
            lines.append("            'columns': {")
            for k, column in enumerate(table.columns):
                facts = {"type": column.type, "format": column.format, "codes": column.codes}
                comma = "," if k < len(table.columns) - 1 else ""
                lines.append(f"                {_jinja(column.name)}: {_jinja(facts)}{comma}")
            lines.append("            },")
            lines.append("        }" + ("," if j < len(tables) - 1 else ""))
        lines.append("    }" + ("," if i < len(platforms) - 1 else ""))
    lines += ["}) }}", "{%- endmacro %}", ""]
    return "\n".join(lines)


def _mart_column(model: WarehouseModel, column: Column) -> dict:
    text = column.description.strip()
    description = f"{column.chinese} ({text})" if text else column.chinese
    if column.pii != "none":
        description += f" [PII: {column.pii}]"
    tests: list = []
    if not column.nullable:
        tests.append("not_null")
    if model.primary_key == (column.name,):
        tests.append("unique")
    if column.allowed:
        tests.append({"accepted_values": {"arguments": {"values": list(column.allowed)}}})
    if column.references:
        target, _, field_name = column.references.partition(".")
        tests.append({"relationships": {"arguments": {"to": f"ref('{target}')", "field": field_name}}})
    tests += [t for t in column.tests if t not in tests]
    out: dict = {
        "name": column.name,
        "description": description,
        "data_type": contract_type(column.type),
        "meta": {"chinese": column.chinese, "pii": column.pii},
    }
    if tests:
        out["data_tests"] = tests
    return out


def _mart(model: WarehouseModel) -> dict:
    tests: list = []
    if len(model.primary_key) > 1:
        tests.append({"yw_unique_combination": {"arguments": {"columns": list(model.primary_key)}}})
    tests += [t for t in model.tests if t not in tests]
    out: dict = {
        "name": model.model,
        "description": f"{model.chinese}: {model.description} Grain: {model.grain}.",
        "config": {"contract": {"enforced": True}, "meta": {"chinese": model.chinese, "domain": model.domain}},
    }
    if tests:
        out["data_tests"] = tests
    out["columns"] = [_mart_column(model, c) for c in model.columns]
    return out


def marts_yaml(domain: str, models: list[WarehouseModel]) -> str:
    doc = {"version": 2, "models": [_mart(m) for m in models]}
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    files = ", ".join(sorted(m.path.name for m in models if m.path))
    return MARTS_HEADER.format(files=files) + body


def marts_path(domain: str, marts_dir: Path = MARTS_DIR) -> Path:
    return marts_dir / domain / f"_{domain}__models.yml"


def marts_files(marts_dir: Path = MARTS_DIR) -> dict[Path, str]:
    by_domain: dict[str, list[WarehouseModel]] = {}
    for model in warehouse_models().values():
        by_domain.setdefault(model.domain, []).append(model)
    return {marts_path(d, marts_dir): marts_yaml(d, ms) for d, ms in sorted(by_domain.items())}


RESOLUTION_SOURCES = MARTS_DIR / "_resolution__sources.yml"
RESOLUTION_HEADER = (
    "# Generated from schemas/resolution/ by `uv run python -m yiwang.warehouse.generate`.\n"
    "# Do not edit: change the schema file and regenerate (tests check this file is current).\n"
    "# The resolver (yiwang.resolve) writes these tables between the intermediate and the marts\n"
    "# stages; the exposure `entity_resolution` names the mention models it reads.\n"
)
# The intermediate models the resolver reads (yiwang/resolve); the exposure puts them in lineage.
RESOLVER_INPUTS = ("int_person_mentions", "int_house_mentions", "int_legal_entity_mentions", "int_event_reports")


def _resolution_column(column: Column) -> dict:
    text = column.description.strip()
    out: dict = {"name": column.name, "description": f"{column.chinese} ({text})" if text else column.chinese}
    tests: list = [] if column.nullable else ["not_null"]
    if column.allowed:
        tests.append({"accepted_values": {"arguments": {"values": list(column.allowed)}}})
    if tests:
        out["data_tests"] = tests
    return out


def resolution_sources_yaml() -> str:
    tables = [
        {
            "name": t.model,
            "description": f"{t.chinese}: {t.description} Grain: {t.grain}.",
            "meta": {"written_by": "yiwang.resolve", "reads": list(RESOLVER_INPUTS)},
            "columns": [_resolution_column(c) for c in t.columns],
        }
        for t in resolution_tables().values()
    ]
    doc = {
        "version": 2,
        "sources": [
            {
                "name": "resolution",
                # a write-audit-publish candidate on PostgreSQL reads its own copy (Target.schema_suffix)
                "schema": "resolution{{ env_var('YIWANG_SCHEMA_SUFFIX', '') }}",
                "description": "Entity resolution output (实体解析), written by yiwang.resolve.resolve().",
                "tables": tables,
            }
        ],
        "exposures": [
            {
                "name": "entity_resolution",
                "label": "实体解析 (yiwang.resolve)",
                "type": "application",
                "maturity": "high",
                "description": "The Python entity resolver: reads these mention models, writes the resolution sources.",
                "owner": {"name": "yiwang data team (一网数据组)", "email": "data@yiwang.example"},
                "depends_on": [f"ref('{name}')" for name in RESOLVER_INPUTS],
            }
        ],
    }
    return RESOLUTION_HEADER + yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


def sources_path(platform: str, staging_dir: Path = STAGING_DIR) -> Path:
    return staging_dir / platform / f"_{platform}__sources.yml"


CONTRACTS_MACRO = PROJECT_DIR / "macros" / "staging" / "_yw_source_contracts.sql"


def generated_files(staging_dir: Path = STAGING_DIR) -> dict[Path, str]:
    files = {sources_path(p.name, staging_dir): sources_yaml(p) for p in source_platforms().values()}
    return (
        files
        | {CONTRACTS_MACRO: contracts_macro(), RESOLUTION_SOURCES: resolution_sources_yaml()}
        | marts_files()
        | quality_suites()
    )


def quality_suites() -> dict[Path, str]:
    """The Great Expectations suites generated from schemas/ (quality/suites.py), so one command
    keeps the dbt contracts and the quality gates in step with the schema files."""
    import json

    from quality.suites import SUITES_DIR, generate

    return {
        SUITES_DIR / f"{name}.json": json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        for name, doc in generate().items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    return write_or_check(generated_files(), check=args.check)


def write_or_check(files: dict[Path, str], *, check: bool) -> int:
    """Write each generated file whose text changed, or with `check` only name the stale ones;
    the exit status (1: `check` found a stale file). Every generator script ends here."""
    stale = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        shown = path.relative_to(PROJECT_DIR.parent) if path.is_relative_to(PROJECT_DIR.parent) else path
        print(f"{'stale' if check else 'wrote'} {shown}", file=sys.stderr if check else sys.stdout)
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
