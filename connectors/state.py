"""Extraction state per table: the saved cursor, the key index and the files already taken.

Under `workspace_dir("state")/<platform>/<table>/`:

    state.json              {last_run_id, cursor, index, files}; replaced atomically
    index-<run_id>.parquet  primary key columns, _yw_row_hash, _yw_deleted, _yw_quarantined:
                            one row per key seen; _yw_quarantined marks a key kept at its last
                            good version because its latest read was quarantined (its next clean
                            read lands again, so the quarantine sighting closes)
    .lock                   held (flock) while a run extracts the table

The state is derived from the landing zone and never ahead of it: it is updated only by applying
a committed manifest. If a run dies between its manifest and its state, the next run applies the
missing manifests first (`catch_up`), so no cursor moves without a committed batch and no batch is
applied twice (applying is keyed by run id).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from connectors.base import ErrorKind
from connectors.landing import Batch, committed_batches, write_json_atomic
from connectors.latest import landed_latest_sql
from yiwang import duckdb_connection as _duckdb
from yiwang.contracts import source_table
from yiwang.settings import workspace_dir


class LockedError(RuntimeError):  # not an ExtractError: the source was never touched
    """Another process is extracting the same table (transient: the lock ends with that run)."""

    kind: ErrorKind = "transient"


class TableLock:
    def __init__(self, path: Path):
        self.path = path
        self._fh = None

    def __enter__(self) -> TableLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            raise LockedError(
                f"another extraction of this table is running (it holds {self.path}); nothing was done for "
                "the table: wait for that run to finish, then run again (the lock ends with its process)"
            ) from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


def index_schema(key_schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [*key_schema, ("_yw_row_hash", pa.string()), ("_yw_deleted", pa.bool_()), ("_yw_quarantined", pa.bool_())]
    )


def key_text_sql(keys: list[str], alias: str) -> str:
    """A key as one text value (quarantine's `_yw_key`): the value, or JSON for a compound key."""
    if len(keys) == 1:
        return f"cast({alias}.{keys[0]} as VARCHAR)"
    return f"to_json(struct_pack({', '.join(f'{k} := {alias}.{k}' for k in keys)}))"


def read_index_sql(path: Path) -> str:
    """Select an index file; indexes written before the quarantine flag read it as false."""
    lit = _duckdb.literal(str(path))
    if "_yw_quarantined" in pq.read_schema(path).names:
        return f"select * from read_parquet({lit})"  # noqa: S608
    return f"select *, false as _yw_quarantined from read_parquet({lit})"  # noqa: S608


def _unit_of(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[-1])  # part-NNNNN.parquet: data and quarantine share NNNNN


def state_dir(platform: str, table: str) -> Path:
    return workspace_dir("state") / platform / table


@dataclass
class TableState:
    platform: str
    table: str
    key_schema: pa.Schema  # the primary key columns with their contract types
    last_run_id: str | None = None
    cursor: dict[str, Any] | None = None  # {"type": ..., "value": ...}
    index_file: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256 taken

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(self.key_schema.names)

    @property
    def folder(self) -> Path:
        return state_dir(self.platform, self.table)

    @property
    def index_path(self) -> Path | None:
        return self.folder / self.index_file if self.index_file else None

    def lock(self) -> TableLock:
        return TableLock(self.folder / ".lock")

    @classmethod
    def load(cls, platform: str, table: str, key_schema: pa.Schema | None = None) -> TableState:
        """The saved state of a table; the key schema comes from its contract unless given."""
        if key_schema is None:
            contract = source_table(platform, table)
            key_schema = pa.schema([(k, contract.column(k).arrow_type) for k in contract.primary_key])
        state = cls(platform, table, key_schema)
        path = state.folder / "state.json"
        if path.is_file():
            doc = json.loads(path.read_text(encoding="utf-8"))
            state.last_run_id = doc.get("last_run_id")
            state.cursor = doc.get("cursor")
            state.index_file = doc.get("index")
            state.files = dict(doc.get("files") or {})
        return state

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(
            self.folder / "state.json",
            {
                "platform": self.platform,
                "table": self.table,
                "last_run_id": self.last_run_id,
                "cursor": self.cursor,
                "index": self.index_file,
                "files": self.files,
            },
        )
        for old in self.folder.glob("index-*.parquet"):  # older indexes are no longer referenced
            if old.name != self.index_file:
                old.unlink(missing_ok=True)

    def pending(self) -> list[Batch]:
        """Committed batches not yet applied to this state, oldest first."""
        return [
            b
            for b in committed_batches(self.platform, self.table)
            if self.last_run_id is None or b.run_id > self.last_run_id
        ]

    def catch_up(self) -> list[str]:
        """Apply committed batches that a crashed run left unapplied; returns their run ids."""
        applied = []
        for batch in self.pending():
            self.apply(batch)
            applied.append(batch.run_id)
        return applied

    @staticmethod
    def _flag_held(query: str, landed: str | None, held: list[Path], quoted: list[str]) -> str:
        """Mark the keys a batch kept at their last good version (quarantined after their last
        landing in the batch, by unit); a key landed later in the batch is not marked."""
        lit = _duckdb.literal
        q = " union all ".join(
            f"select _yw_key, {_unit_of(f)} as _q from read_parquet({lit(str(f))}, union_by_name = true) "  # noqa: S608
            "where _yw_key_status = 'kept_last_good'"
            for f in held
            if "_yw_key" in pq.read_schema(f).names
        )
        if not q:
            return query
        last_landed = (
            f"(select max(n._yw_part) from ({landed}) n where {key_text_sql(quoted, 'n')} = x._k)"  # noqa: S608
            if landed
            else "null"
        )
        cols = ", ".join(f"x.{k}" for k in quoted)
        return (
            f"select {cols}, x._yw_row_hash, x._yw_deleted, x._yw_quarantined or coalesce(("  # noqa: S608
            f"select max(q._q) from ({q}) q where q._yw_key = x._k) > coalesce({last_landed}, -1), false) "
            f"as _yw_quarantined from (select *, {key_text_sql(quoted, 'i')} as _k from ({query}) i) x"
        )

    def apply(self, batch: Batch) -> None:
        """Fold a committed batch into the index, cursor and file list, then save atomically."""
        manifest = batch.manifest
        files = [f for f in batch.files if f.is_file()]
        new_index = f"index-{batch.run_id}.parquet"
        tmp = self.folder / f".{new_index}.tmp"
        self.folder.mkdir(parents=True, exist_ok=True)
        quoted = [_duckdb.identifier(k) for k in self.key_columns]
        keys = ", ".join(quoted)
        cols = f"{keys}, _yw_row_hash, _yw_deleted, _yw_quarantined"
        con = _duckdb.connect()
        try:
            old = self.index_path if self.index_path and self.index_path.is_file() else None
            lit = _duckdb.literal
            # the batch's rows per key: one part holds each key once; across parts the latest wins
            new = " union all ".join(
                f"select {keys}, _yw_row_hash, _yw_op = 'delete' as _yw_deleted, false as _yw_quarantined, "  # noqa: S608
                f"_yw_run_id, {_unit_of(f)} as _yw_part from read_parquet({lit(str(f))})"
                for f in files
            )
            if len(files) > 1:
                new = landed_latest_sql(f"({new})", quoted)
            match = " and ".join(f"o.{k} = n.{k}" for k in quoted)
            if old and files:  # upsert: old keys not in the batch, then the batch's keys
                query = (
                    f"select {cols} from ({read_index_sql(old)}) o "  # noqa: S608
                    f"where not exists (select 1 from ({new}) n where {match}) "
                    f"union all select {cols} from ({new})"
                )
            elif files:
                query = f"select {cols} from ({new})"  # noqa: S608
            elif old:
                query = read_index_sql(old)
            else:
                query = None
            held = [f for f in batch.quarantine_files if f.is_file()]
            if query and held:
                query = self._flag_held(query, new if files else None, held, quoted)
            if query:
                con.execute(f"copy ({query}) to {lit(str(tmp))} (format parquet, compression zstd)")
            else:
                pq.write_table(index_schema(self.key_schema).empty_table(), tmp)
        finally:
            con.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / new_index)
        self.index_file = new_index
        if manifest.get("cursor", {}).get("after") is not None:
            self.cursor = manifest["cursor"]["after"]
        for unit in manifest.get("units", []):
            if unit.get("file") and unit.get("taken"):
                self.files[unit["file"]] = unit["sha256"]
        self.last_run_id = batch.run_id
        self.save()
