"""The source registry: connectors/<platform>/tables.yml, checked against schemas/sources.

A platform file names its connections (where the data is, by reference) and, per table, how to
extract it. Columns, keys, cursor and delete style come from the table contract in
schemas/sources/<platform>/<table>.yml and are never restated here. See docs/connectors.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from connectors.credentials import CredentialRef
from yiwang.contracts import SourceTable, source_platforms
from yiwang.duckdb_connection import identifier

KINDS = ("sql", "csv", "xlsx", "http")
MODES = ("incremental", "snapshot", "file_drop")
DRIFT_POLICIES = ("evolve", "freeze")
DELETE_DETECTION = ("none", "soft", "diff")
_KIND_FOR_STORE = {"sql": "sql", "file_csv": "csv", "file_xlsx": "xlsx", "http_api": "http"}
_TABLE_KEYS = {
    "connection",
    "mode",
    "lookback",
    "drift",
    "batch_size",
    "delete_detection",
    "on_duplicate_key",
    "min_row_ratio",
}
DUPLICATE_RULES = ("quarantine", "latest_by <column>")
MIN_ROW_RATIO = 0.5  # file drops: a file with fewer rows than this share of the live keys is refused
CONNECTORS_ROOT = Path(__file__).resolve().parent


class RegistryError(ValueError):
    """A tables.yml is malformed or disagrees with its contract; the message names the field."""


@dataclass(frozen=True)
class Connection:
    """Where a platform's data lives: a URL, folder or base URL, given by reference."""

    name: str
    kind: str
    credentials: CredentialRef
    default: str | None = None
    token: CredentialRef | None = None  # http: the bearer token, by reference
    token_default: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableConfig:
    platform: str
    table: str
    contract: SourceTable
    connection: Connection
    mode: str
    lookback: timedelta | int | None
    drift: str
    batch_size: int
    delete_detection: str
    on_duplicate_key: str = "quarantine"  # or "latest_by <column>"
    min_row_ratio: float = MIN_ROW_RATIO

    @property
    def latest_by(self) -> str | None:
        """The column whose highest value picks among one key's different rows; None: quarantine them."""
        rule, _, column = self.on_duplicate_key.partition(" ")
        return column.strip() if rule == "latest_by" else None

    @property
    def name(self) -> str:
        return f"{self.platform}.{self.table}"

    @property
    def kind(self) -> str:
        return self.connection.kind


@dataclass(frozen=True)
class PlatformConfig:
    name: str
    connections: dict[str, Connection]
    tables: dict[str, TableConfig]
    path: Path


def parse_lookback(value: Any, where: str) -> timedelta | int | None:
    """'2h', '30m', '1d', '90s' for time cursors; a bare integer for numeric cursors."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(\d+)\s*([smhd])", str(value).strip())
    if not match:
        raise RegistryError(f"{where}: lookback {value!r}; use e.g. 2h, 30m, 1d or an integer")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def _connection(name: str, raw: dict, where: str) -> Connection:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise RegistryError(f"{where}: connection {name!r} kind {kind!r}; use one of {KINDS}")
    known = {"kind", "credentials", "default", "token", "token_default", "options"}
    if set(raw) - known:
        raise RegistryError(f"{where}: connection {name!r} has unknown fields {sorted(set(raw) - known)}")
    return Connection(
        name=name,
        kind=kind,
        credentials=CredentialRef.parse(raw.get("credentials"), f"{where}: {name}"),
        default=raw.get("default"),
        token=CredentialRef.parse(raw["token"], f"{where}: {name}.token") if "token" in raw else None,
        token_default=raw.get("token_default"),
        options=dict(raw.get("options") or {}),
    )


def _table(
    platform: str,
    name: str,
    raw: dict,
    doc: dict,
    connections: dict[str, Connection],
    contract: SourceTable,
    where: str,
) -> TableConfig:
    raw = dict(doc.get("defaults") or {}) | dict(raw or {})
    unknown = set(raw) - _TABLE_KEYS
    if unknown:
        raise RegistryError(
            f"{where}: {name}: unknown fields {sorted(unknown)} (columns, keys and "
            "cursor come from the contract in schemas/sources)"
        )
    conn_name = raw.get("connection") or (next(iter(connections)) if len(connections) == 1 else None)
    if conn_name not in connections:
        raise RegistryError(f"{where}: {name}: connection {conn_name!r}; known: {sorted(connections)}")
    conn = connections[conn_name]
    if _KIND_FOR_STORE[contract.store] != conn.kind:
        raise RegistryError(
            f"{where}: {name}: contract store {contract.store!r} does not fit connection kind {conn.kind!r}"
        )
    mode = raw.get("mode")
    if mode not in MODES:
        raise RegistryError(f"{where}: {name}: mode {mode!r}; use one of {MODES}")
    if mode == "incremental" and not contract.cursor:
        raise RegistryError(f"{where}: {name}: incremental needs a cursor in the contract")
    if (mode == "file_drop") != (conn.kind in ("csv", "xlsx")):
        raise RegistryError(f"{where}: {name}: mode file_drop goes with csv/xlsx connections only")
    default_delete = {"soft": "soft", "hard": "diff", "none": "none"}[contract.delete_style]
    delete = raw.get("delete_detection", default_delete)
    if delete not in DELETE_DETECTION:
        raise RegistryError(f"{where}: {name}: delete_detection {delete!r}; use one of {DELETE_DETECTION}")
    if delete == "soft" and not contract.soft_delete:
        raise RegistryError(f"{where}: {name}: delete_detection soft needs soft_delete in the contract")
    if delete == "diff" and mode == "incremental":
        raise RegistryError(
            f"{where}: {name}: hard deletes are found by diff, which needs mode "
            "snapshot or file_drop (an incremental window never sees a missing row)"
        )
    drift = raw.get("drift", "evolve")
    if drift not in DRIFT_POLICIES:
        raise RegistryError(f"{where}: {name}: drift {drift!r}; use one of {DRIFT_POLICIES}")
    batch_size = int(raw.get("batch_size", 50_000))
    if batch_size <= 0:
        raise RegistryError(f"{where}: {name}: batch_size must be positive")
    try:
        min_row_ratio = float(raw.get("min_row_ratio", MIN_ROW_RATIO))
    except (TypeError, ValueError):
        min_row_ratio = -1.0
    if not 0 <= min_row_ratio <= 1:
        raise RegistryError(f"{where}: {name}: min_row_ratio must be a number from 0 to 1 (0 turns the check off)")
    for column in contract.column_names:  # fail early on a name we could not quote
        identifier(column)
    on_duplicate_key = " ".join(str(raw.get("on_duplicate_key", "quarantine")).split())
    rule, _, column = on_duplicate_key.partition(" ")
    if not ((rule == "quarantine" and not column) or (rule == "latest_by" and column in contract.column_names)):
        raise RegistryError(
            f"{where}: {name}: on_duplicate_key {raw.get('on_duplicate_key')!r}; use one of "
            f"{DUPLICATE_RULES} with a column of the contract"
        )
    return TableConfig(
        platform=platform,
        table=name,
        contract=contract,
        connection=conn,
        mode=mode,
        lookback=parse_lookback(raw.get("lookback"), f"{where}: {name}"),
        drift=drift,
        batch_size=batch_size,
        delete_detection=delete,
        on_duplicate_key=on_duplicate_key,
        min_row_ratio=min_row_ratio,
    )


def load_platform(path: Path) -> PlatformConfig:
    where = str(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    platform = doc.get("platform")
    if platform != path.parent.name:
        raise RegistryError(f"{where}: platform {platform!r} must match its folder name")
    contracts = source_platforms()
    if platform not in contracts:
        raise RegistryError(f"{where}: no contract folder schemas/sources/{platform}")
    connections = {n: _connection(n, c or {}, where) for n, c in (doc.get("connections") or {}).items()}
    if not connections:
        raise RegistryError(f"{where}: no connections")
    tables: dict[str, TableConfig] = {}
    for name, raw in (doc.get("tables") or {}).items():
        contract = contracts[platform].tables.get(name)
        if contract is None:
            raise RegistryError(f"{where}: table {name!r} has no contract in schemas/sources/{platform}")
        tables[name] = _table(platform, name, raw, doc, connections, contract, where)
    return PlatformConfig(name=platform, connections=connections, tables=tables, path=path)


def load_registry(root: Path | None = None) -> dict[str, PlatformConfig]:
    """Every platform under connectors/ (folders holding a tables.yml), by name."""
    root = root or CONNECTORS_ROOT
    return {p.parent.name: load_platform(p) for p in sorted(root.glob("*/tables.yml"))}


def select_tables(registry: dict[str, PlatformConfig], source: str | None = None) -> list[TableConfig]:
    """Tables to extract: all, one platform (`hotline`) or one table (`hotline.t_gd_lzjl`)."""
    if source is None:
        return [t for p in registry.values() for t in p.tables.values()]
    platform, _, table = source.partition(".")
    if platform not in registry:
        raise KeyError(f"unknown source {source!r}; platforms: {sorted(registry)}")
    tables = registry[platform].tables
    if table and table not in tables:
        raise KeyError(f"unknown table {source!r}; tables: {sorted(tables)}")
    return [tables[table]] if table else list(tables.values())
