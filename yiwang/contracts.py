"""Load the declarative table contracts in schemas/ (the one source of truth for shapes).

schemas/sources/<platform>/_platform.yml describes a legacy platform (数据烟囱);
schemas/sources/<platform>/<table>.yml describes one of its tables: columns, types, keys,
cursor, delete style and PII class. See schemas/README.md for the format.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from yiwang.types import TYPES

COLUMN_TYPES: dict[str, pa.DataType] = {name: t.arrow for name, t in TYPES.items()}
PII_CLASSES = ("none", "quasi", "direct", "sensitive")
DELETE_STYLES = ("none", "soft", "hard")
STORES = ("sql", "file_csv", "file_xlsx", "http_api", "mixed")


class ContractError(ValueError):
    """A schemas/ file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    chinese: str
    description: str = ""
    nullable: bool = True
    pii: str = "none"
    english: str | None = None
    codes: dict[str, str] | None = None
    allowed: tuple[str, ...] | None = None
    format: str | None = None
    references: str | None = None  # "<model>.<column>" for warehouse foreign keys
    tests: tuple = ()  # warehouse: extra dbt data tests beyond those the contract implies

    @property
    def arrow_type(self) -> pa.DataType:
        return COLUMN_TYPES[self.type]

    @property
    def allowed_values(self) -> tuple[str, ...] | None:
        """Allowed values as strings, from `codes` keys or `allowed`; None when open."""
        if self.codes is not None:
            return tuple(self.codes)
        return self.allowed


class _Columns:
    """Column lookup shared by source tables and warehouse models."""

    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.label} has no column {name!r}")


@dataclass(frozen=True)
class SourceTable(_Columns):
    platform: str
    table: str
    chinese: str
    description: str
    store: str
    primary_key: tuple[str, ...]
    cursor: str | None
    delete_style: str
    columns: tuple[Column, ...]
    entity: str | None = None
    soft_delete: dict[str, Any] | None = None
    file_pattern: str | None = None
    encodings: tuple[str, ...] = ()
    endpoint: str | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.platform}.{self.table}"

    label = qualified_name

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns])


@dataclass(frozen=True)
class Platform:
    name: str
    chinese: str
    description: str
    store: str
    tables: dict[str, SourceTable]
    default_database: str | None = None
    server: str | None = None
    timezone: str = "Asia/Shanghai"


def schemas_root() -> Path:
    """schemas/ of this checkout, or YIWANG_SCHEMAS_DIR when set."""
    env = os.environ.get("YIWANG_SCHEMAS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "schemas"


def _require(doc: dict, key: str, path: Path) -> Any:
    if key not in doc or doc[key] is None:
        raise ContractError(f"{path}: missing required field {key!r}")
    return doc[key]


COLUMN_KEYS = {
    "name",
    "type",
    "chinese",
    "description",
    "nullable",
    "pii",
    "english",
    "codes",
    "allowed",
    "format",
    "references",
    "tests",
}


def _column(raw: dict, path: Path) -> Column:
    name = str(_require(raw, "name", path))
    unknown = set(raw) - COLUMN_KEYS
    if unknown:
        raise ContractError(
            f"{path}: column {name!r} has unknown keys {sorted(map(str, unknown))}; "
            "quote a description that contains a comma or a colon"
        )
    ctype = _require(raw, "type", path)
    if ctype not in COLUMN_TYPES:
        raise ContractError(f"{path}: column {name!r} has type {ctype!r}; use one of {list(COLUMN_TYPES)}")
    pii = raw.get("pii", "none")
    if pii not in PII_CLASSES:
        raise ContractError(f"{path}: column {name!r} has pii {pii!r}; use one of {PII_CLASSES}")
    codes = raw.get("codes")
    allowed = raw.get("allowed")
    return Column(
        name=name,
        type=ctype,
        chinese=str(_require(raw, "chinese", path)),
        description=str(raw.get("description", "")),
        nullable=bool(raw.get("nullable", True)),
        pii=pii,
        english=raw.get("english"),
        codes={str(k): str(v) for k, v in codes.items()} if codes else None,
        allowed=tuple(str(v) for v in allowed) if allowed else None,
        format=raw.get("format"),
        references=raw.get("references"),
        tests=tuple(raw.get("tests") or ()),
    )


def _columns_and_key(doc: dict, path: Path) -> tuple[tuple[Column, ...], tuple[str, ...], list[str]]:
    """The columns and primary key of a contract file, checked: names unique, key columns exist."""
    columns = tuple(_column(c, path) for c in _require(doc, "columns", path))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ContractError(f"{path}: duplicate column names")
    pk = tuple(_require(doc, "primary_key", path))
    for key in pk:
        if key not in names:
            raise ContractError(f"{path}: primary key column {key!r} is not a column")
    return columns, pk, names


def _table(doc: dict, platform: dict, path: Path) -> SourceTable:
    columns, pk, names = _columns_and_key(doc, path)
    cursor = doc.get("cursor")
    if cursor is not None and cursor not in names:
        raise ContractError(f"{path}: cursor column {cursor!r} is not a column")
    delete_style = doc.get("delete_style", "none")
    if delete_style not in DELETE_STYLES:
        raise ContractError(f"{path}: delete_style {delete_style!r}; use one of {DELETE_STYLES}")
    soft = doc.get("soft_delete")
    if delete_style == "soft" and (not soft or soft.get("column") not in names):
        raise ContractError(f"{path}: delete_style soft needs soft_delete.column naming a column")
    store = doc.get("store", platform.get("store"))
    if store not in STORES or store == "mixed":
        raise ContractError(f"{path}: store {store!r}; use one of {STORES[:-1]}")
    return SourceTable(
        platform=platform["platform"],
        table=str(_require(doc, "table", path)),
        chinese=str(_require(doc, "chinese", path)),
        description=str(doc.get("description", "")).strip(),
        store=store,
        primary_key=pk,
        cursor=cursor,
        delete_style=delete_style,
        columns=columns,
        entity=doc.get("entity"),
        soft_delete=soft,
        file_pattern=doc.get("file_pattern"),
        encodings=tuple(doc.get("encodings", ())),
        endpoint=doc.get("endpoint"),
        path=path,
    )


@cache
def _load_platforms(root: Path) -> dict[str, Platform]:
    base = root / "sources"
    if not base.is_dir():
        raise ContractError(f"{base} does not exist; set YIWANG_SCHEMAS_DIR to the schemas/ folder")
    platforms: dict[str, Platform] = {}
    for platform_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        meta_path = platform_dir / "_platform.yml"
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        name = _require(meta, "platform", meta_path)
        if name != platform_dir.name:
            raise ContractError(f"{meta_path}: platform {name!r} must match its folder name")
        tables = {}
        for table_path in sorted(platform_dir.glob("[!_]*.yml")):
            table = _table(yaml.safe_load(table_path.read_text(encoding="utf-8")), meta, table_path)
            if table.table != table_path.stem:
                raise ContractError(f"{table_path}: table {table.table!r} must match the file name")
            tables[table.table] = table
        platforms[name] = Platform(
            name=name,
            chinese=str(_require(meta, "chinese", meta_path)),
            description=str(meta.get("description", "")).strip(),
            store=str(_require(meta, "store", meta_path)),
            tables=tables,
            default_database=meta.get("default_database"),
            server=meta.get("server"),
            timezone=meta.get("timezone", "Asia/Shanghai"),
        )
    return platforms


def source_platforms(root: Path | None = None) -> dict[str, Platform]:
    """Every legacy platform described under schemas/sources, by name."""
    return _load_platforms((root or schemas_root()).resolve())


def source_table(platform: str, table: str, root: Path | None = None) -> SourceTable:
    platforms = source_platforms(root)
    if platform not in platforms:
        raise KeyError(f"unknown platform {platform!r}; known: {sorted(platforms)}")
    tables = platforms[platform].tables
    if table not in tables:
        raise KeyError(f"unknown table {platform}.{table}; known: {sorted(tables)}")
    return tables[table]


def source_tables(root: Path | None = None) -> list[SourceTable]:
    return [t for p in source_platforms(root).values() for t in p.tables.values()]


@dataclass(frozen=True)
class WarehouseModel(_Columns):
    """A mart's contract: what dbt must build and the warehouse gate must check."""

    model: str
    domain: str
    chinese: str
    description: str
    grain: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    tests: tuple = ()  # extra model-level dbt data tests
    path: Path | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return self.model


@cache
def _load_warehouse(root: Path, folder: str = "warehouse") -> dict[str, WarehouseModel]:
    base = root / folder
    meta = yaml.safe_load((base / f"_{folder}.yml").read_text(encoding="utf-8"))
    domains = set(meta["domains"])
    models: dict[str, WarehouseModel] = {}
    for path in sorted(base.glob("[!_]*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        columns, pk, _ = _columns_and_key(doc, path)
        domain = _require(doc, "domain", path)
        if domain not in domains:
            raise ContractError(f"{path}: domain {domain!r}; use one of {sorted(domains)}")
        model = WarehouseModel(
            model=str(_require(doc, "model", path)),
            domain=domain,
            chinese=str(_require(doc, "chinese", path)),
            description=str(doc.get("description", "")).strip(),
            grain=str(_require(doc, "grain", path)),
            primary_key=pk,
            columns=columns,
            tests=tuple(doc.get("tests") or ()),
            path=path,
        )
        if model.model in models:
            raise ContractError(f"{path}: model {model.model!r} is declared twice")
        models[model.model] = model
    for model in models.values():
        for c in model.columns:
            if c.references:
                target, _, column = c.references.partition(".")
                if target not in models or column not in models[target].column_names:
                    raise ContractError(f"{model.path}: {c.name} references unknown {c.references!r}")
    return models


def warehouse_models(root: Path | None = None) -> dict[str, WarehouseModel]:
    """Every mart described under schemas/warehouse, by model name."""
    return _load_warehouse((root or schemas_root()).resolve())


def resolution_tables(root: Path | None = None) -> dict[str, WarehouseModel]:
    """Every table of schema `resolution` (the entity resolver's output), by name."""
    return _load_warehouse((root or schemas_root()).resolve(), "resolution")
