"""Raw load: copy every committed landing batch into the warehouse's `raw` schema, once.

    raw.<platform>__<table>   append-only: every landed row with its source columns, the lineage
                              columns (_yw_platform, _yw_table, _yw_run_id, _yw_extracted_at,
                              _yw_row_hash, _yw_op) and _yw_part, the part file's position in its
                              batch (the version order inside one batch)
    raw._loaded_batches       one row per batch loaded: platform, table_name, run_id,
                              manifest_sha256, rows, files, extracted_at, loaded_at

A batch exists only once its `_manifest.json` does (connectors/landing.py); `_staging/` and
`_quarantine/` are never read. Each batch is loaded in one transaction together with its
`_loaded_batches` row, so a batch already loaded is skipped and the same batch delivered twice
never duplicates rows downstream. A column that appears in a later batch (drift policy evolve)
is added to the raw table; a column a batch lacks is left null.

Both targets take the same path: an in-memory DuckDB attaches the warehouse (the DuckDB file,
or PostgreSQL through the postgres extension, which writes with COPY) and inserts straight
from the Parquet files. No row passes through Python.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.coerce import DUCK_TYPES
from connectors.landing import LINEAGE_COLUMNS, Batch, committed_batches, landing_root, sha256_file
from yiwang import duckdb_connection as _duckdb
from yiwang.contracts import SourceTable, source_tables
from yiwang.targets import Target, attach, ensure_database, resolve_target
from yiwang.warehouse.lock import warehouse_lock
from yiwang.warehouse.progress import LoadProgress

RAW_SCHEMA = "raw"
LOADED_BATCHES = "_loaded_batches"
PART_COLUMN = "_yw_part"
WAREHOUSE = "wh"  # the warehouse's name inside the loader's DuckDB connection
LINEAGE_TYPES = {name: "VARCHAR" for name in LINEAGE_COLUMNS} | {"_yw_extracted_at": "TIMESTAMPTZ"}
LOADED_BATCHES_COLUMNS = (
    ("platform", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("run_id", "VARCHAR"),
    ("manifest_sha256", "VARCHAR"),
    ("rows", "BIGINT"),
    ("files", "INTEGER"),
    ("extracted_at", "TIMESTAMPTZ"),
    ("loaded_at", "TIMESTAMPTZ"),
)


class LoadError(RuntimeError):
    """A committed batch cannot be loaded as its manifest describes; the message names it."""


@dataclass
class TableLoad:
    platform: str
    table: str
    batches_loaded: int = 0
    batches_skipped: int = 0
    batches_blocked: int = 0  # held back by the landing gate (quality.landing_gate)
    rows_loaded: int = 0
    rows_rejected: int = 0  # rows the landing gate rejected (in quarantine, not loaded)
    columns_added: list[str] = field(default_factory=list)

    @property
    def raw_table(self) -> str:
        return raw_table_name(self.platform, self.table)


@dataclass
class LoadResult:
    target: str
    where: str
    tables: list[TableLoad]
    seconds: float

    @property
    def batches_loaded(self) -> int:
        return sum(t.batches_loaded for t in self.tables)

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables)


def raw_table_name(platform: str, table: str) -> str:
    return f"{platform}__{table}"


def _relation(name: str) -> str:
    return f"{WAREHOUSE}.{RAW_SCHEMA}.{_duckdb.identifier(name)}"


def _attach(target: Target, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = attach(target, WAREHOUSE, read_only=read_only)
    if not read_only:
        con.execute(f"create schema if not exists {WAREHOUSE}.{RAW_SCHEMA}")
    return con


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """Columns of a raw table and their DuckDB types, in table order; empty when it is missing."""
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [WAREHOUSE, RAW_SCHEMA, name],
    ).fetchall()
    return dict(rows)


def _create(con: duckdb.DuckDBPyConnection, name: str, columns: Iterable[tuple[str, str]]) -> None:
    body = ", ".join(f"{_duckdb.identifier(c)} {t}" for c, t in columns)
    con.execute(f"create table if not exists {_relation(name)} ({body})")


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: SourceTable) -> dict[str, str]:
    """Create raw.<platform>__<table> from its contract when missing (so staging always compiles)."""
    name = raw_table_name(contract.platform, contract.table)
    existing = _columns(con, name)
    if not existing:
        columns = [(c.name, DUCK_TYPES[c.type]) for c in contract.columns]
        columns += [*LINEAGE_TYPES.items(), (PART_COLUMN, "INTEGER")]
        _create(con, name, columns)
        existing = _columns(con, name)
    return existing


def _loaded(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], str]:
    _create(con, LOADED_BATCHES, LOADED_BATCHES_COLUMNS)
    rows = con.execute(f"select platform, table_name, run_id, manifest_sha256 from {_relation(LOADED_BATCHES)}")  # noqa: S608
    return {(p, t, r): sha for p, t, r, sha in rows.fetchall()}


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute("describe select * from read_parquet(?)", [path]).fetchall()]


def _check_files(batch: Batch, where: str) -> None:
    for entry in batch.manifest["files"]:
        path = batch.path / entry["path"]
        if not path.is_file():
            raise LoadError(f"{where}: {path.name} is listed in the manifest but missing")
        if entry.get("sha256") and sha256_file(path) != entry["sha256"]:
            raise LoadError(f"{where}: {path.name} does not match the sha256 in its manifest")


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    contract: SourceTable,
    batch: Batch,
    columns: dict[str, str],
    manifest_sha256: str,
    result: TableLoad,
) -> dict[str, str]:
    name = raw_table_name(contract.platform, contract.table)
    where = f"{contract.qualified_name} batch {batch.run_id}"
    _check_files(batch, where)
    files = batch.manifest["files"]
    # schema evolution: a landed column the raw table lacks is added before the load
    for entry in files:
        path = str(batch.path / entry["path"])
        for column, duck_type in _parquet_columns(con, path):
            if column not in columns:
                con.execute(f"alter table {_relation(name)} add column {_duckdb.identifier(column)} {duck_type}")
                columns[column] = duck_type
                result.columns_added.append(column)
    rows = 0
    rejected = _rejected_filter(contract, batch)
    con.execute("begin transaction")
    try:
        for part, entry in enumerate(files):
            path = batch.path / entry["path"]
            landed = [c for c, _ in _parquet_columns(con, str(path))]
            target_cols = ", ".join(_duckdb.identifier(c) for c in [*landed, PART_COLUMN])
            select = ", ".join(f"cast({_duckdb.identifier(c)} as {columns[c]})" for c in landed)
            source = f"read_parquet({_duckdb.literal(str(path))})"
            left_out = 0
            if rejected:
                left_out = con.execute(f"select count(*) from {source} where not ({rejected})").fetchone()[0]  # noqa: S608
                source = f"(select * from {source} where {rejected})"  # noqa: S608
            inserted = con.execute(
                f"insert into {_relation(name)} ({target_cols}) "  # noqa: S608 - quoted identifiers
                f"select {select}, {int(part)} from {source}"
            ).fetchone()[0]
            result.rows_rejected += left_out
            if inserted + left_out != entry["rows"]:
                raise LoadError(f"{where}: {path.name} has {inserted} rows, its manifest says {entry['rows']}")
            rows += inserted
        con.execute(
            f"insert into {_relation(LOADED_BATCHES)} values (?, ?, ?, ?, ?, ?, cast(? as TIMESTAMPTZ), now())",  # noqa: S608
            [
                contract.platform,
                contract.table,
                batch.run_id,
                manifest_sha256,
                rows,
                len(files),
                batch.manifest.get("extracted_at"),
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    result.batches_loaded += 1
    result.rows_loaded += rows
    return columns


def _rejected_filter(contract: SourceTable, batch: Batch) -> str | None:
    """A predicate keeping the rows the landing gate did not reject (None: keep every row)."""
    from quality.landing_gate import rejected_keys_file

    path = rejected_keys_file(contract.platform, contract.table, batch.run_id)
    if path is None or not contract.primary_key:
        return None
    key = _duckdb.identifier(contract.primary_key[0])
    return (
        f"cast({key} as varchar) not in (select source_key from read_parquet({_duckdb.literal(str(path))}) "  # noqa: S608
        "where action = 'reject' and source_key is not null)"
    )


def _load_table(
    con: duckdb.DuckDBPyConnection,
    contract: SourceTable,
    loaded: dict[tuple[str, str, str], str],
    landing: Path,
) -> TableLoad:
    from quality.landing_gate import blocked_from

    result = TableLoad(contract.platform, contract.table)
    columns = ensure_raw_table(con, contract)
    batches = committed_batches(contract.platform, contract.table, landing)
    blocked = blocked_from(contract.platform, contract.table, [b.run_id for b in batches])
    for batch in batches:
        if (
            blocked is not None
            and batch.run_id >= blocked
            and (contract.platform, contract.table, batch.run_id) not in loaded
        ):
            result.batches_blocked += 1  # the landing gate blocked this batch or an earlier one
            continue
        manifest_sha256 = sha256_file(batch.path / "_manifest.json")
        key = (contract.platform, contract.table, batch.run_id)
        if key in loaded:
            if loaded[key] != manifest_sha256:
                raise LoadError(
                    f"{contract.qualified_name} batch {batch.run_id} was loaded with manifest sha256 "
                    f"{loaded[key]} but its manifest is now {manifest_sha256}; landed batches are immutable"
                )
            result.batches_skipped += 1
            continue
        columns = _load_batch(con, contract, batch, columns, manifest_sha256, result)
        loaded[key] = manifest_sha256
    return result


def load_raw(
    target: Target | str = "duckdb",
    *,
    landing: Path | None = None,
    tables: list[SourceTable] | None = None,
    progress: LoadProgress | None = None,
    lock: bool = True,
    wait_seconds: float = 0,
) -> LoadResult:
    """Load every committed landing batch not yet in the warehouse; returns counts per table.

    `lock=False` when the caller already holds the warehouse lock (yiwang build does).
    """
    target = resolve_target(target) if isinstance(target, str) else target
    progress = progress or LoadProgress()
    landing = landing or landing_root()
    tables = tables if tables is not None else source_tables()
    started = time.monotonic()
    ensure_database(target)
    if lock:
        with warehouse_lock(target, wait_seconds):
            results = _load_all(target, landing, tables, progress)
    else:
        results = _load_all(target, landing, tables, progress)
    return LoadResult(target.name, target.describe(), results, time.monotonic() - started)


def _load_all(target: Target, landing: Path, tables: list[SourceTable], progress: LoadProgress) -> list[TableLoad]:
    con = _attach(target)
    try:
        loaded = _loaded(con)
        progress.start(len(tables))
        results = []
        for contract in tables:
            result = _load_table(con, contract, loaded, landing)
            progress.table_done(result)
            results.append(result)
        return results
    finally:
        con.close()


def loaded_batches(target: Target | str = "duckdb") -> list[dict]:
    """raw._loaded_batches as dictionaries (for reports and tests)."""
    target = resolve_target(target) if isinstance(target, str) else target
    con = _attach(target, read_only=True)
    try:
        cursor = con.execute(f"select * from {_relation(LOADED_BATCHES)} order by platform, table_name, run_id")  # noqa: S608
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def manifest_rows(batch: Batch) -> int:
    return sum(int(f["rows"]) for f in batch.manifest["files"])


__all__ = [
    "LOADED_BATCHES",
    "RAW_SCHEMA",
    "LoadError",
    "LoadProgress",
    "LoadResult",
    "TableLoad",
    "load_raw",
    "loaded_batches",
    "manifest_rows",
    "raw_table_name",
]
