"""Extract one table into the landing zone: read, coerce, classify, stage, commit, apply.

For each unit the source offers (a cursor window, or one dropped file):
  1. read raw Arrow batches; check schema drift (freeze fails here, before anything is written;
     a contract column missing at the source holds the whole run: nothing lands, see _hold);
  2. cast each batch to the contract (DuckDB, vectorised); failing rows go to quarantine and
     their keys keep their last good version;
  3. one row per key: exact copies are duplicates, different rows under one key go to
     quarantine (or the table's on_duplicate_key rule picks one); compare the hash with the key
     index: insert, update, delete (soft delete flag), or unchanged (not landed); in snapshot
     units, live keys that did not come back and were not quarantined are landed as deletes,
     unless a quarantined row's key cannot be read (then no delete is inferred);
  4. write part-NNNNN.parquet in staging.
Then the batch is committed (rename, manifest last) and folded into the state (cursor, index).
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from connectors.base import ErrorKind, ExtractError, Source, SourceError, SourceRead, Unit
from connectors.coerce import check_drift, coercion_sql
from connectors.credentials import redact_url, resolve_secret, resolve_url, where_to_set
from connectors.files import FileDropSource
from connectors.http import HttpJsonClient, HttpSource, RetryPolicy
from connectors.landing import (
    MANIFEST_VERSION,
    QUARANTINE_COLUMNS,
    batch_dir,
    commit,
    quarantine_dir,
    remove_debris,
    sha256_file,
    staging_dir,
    write_held,
)
from connectors.progress import Progress
from connectors.registry import TableConfig
from connectors.sql import SqlSource
from connectors.state import LockedError, TableState, index_schema, key_text_sql, read_index_sql
from yiwang import duckdb_connection as _duckdb
from yiwang.contracts import source_platforms
from yiwang.settings import workspace_dir

FAULT_ENV = "YIWANG_CONNECTORS_FAULT"  # tests only: "pause:<point>:<marker file>"
READ_ATTEMPTS = 3  # whole-table attempts on a transient source error
RETRY_BASE_SECONDS = 0.5
MEMORY_LIMIT = "256MB"  # DuckDB per connection; past it joins and sorts spill to staging/tmp


class HeldBatch(ExtractError):
    """A unit cannot land as it is (a contract column is missing): the whole run is held (terminal:
    it lands once the contract or the source changes, not by running again)."""

    def __init__(self, reason: str, unit: dict[str, Any]):
        super().__init__(reason)
        self.unit = unit


COUNT_NAMES = (  # a run's counts, all in every manifest
    "source",
    "landed",
    "quarantined",
    "unchanged",
    "duplicates",
    "detected_deletes",
    "insert",
    "update",
    "delete",
    "held_keys",
    "deletes_withheld",
    "duplicates_superseded",
)


def _duck_type(arrow_type: pa.DataType) -> str:
    return {
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
        pa.timestamp("us"): "TIMESTAMP",
    }.get(arrow_type, "VARCHAR")


def new_run_id() -> str:
    """A run id that sorts by time: UTC timestamp to the microsecond plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)


def fault(point: str) -> None:
    """Test hook: with YIWANG_CONNECTORS_FAULT=pause:<point>:<marker>, stop here until killed."""
    spec = os.environ.get(FAULT_ENV, "")
    if not spec.startswith("pause:"):
        return
    _, wanted, marker = spec.split(":", 2)
    if wanted == point:
        Path(marker).write_text(point)
        while True:
            time.sleep(1)


@dataclass
class TableResult:
    platform: str
    table: str
    run_id: str
    status: str  # "ok", "held" (schema drift: nothing landed, the state kept) or "failed"
    counts: dict[str, int] = field(default_factory=dict)
    manifest_path: Path | None = None
    error: str | None = None  # why the table failed or was held
    kind: ErrorKind | None = None  # set with `error`: "transient" (worth a later retry) or "terminal"
    confirmable: bool = False  # a refused drop that `accept_short` would take (see ShortDrop)
    note: str | None = None  # e.g. "no new file": the run landed no batch for this table

    @property
    def reconciled(self) -> bool:
        c = self.counts
        return bool(c) and c["source"] == c["landed"] + c["quarantined"] + c["unchanged"] + c["duplicates"]


# -- opening sources ------------------------------------------------------------------------------
def _expand(value: str | None) -> str | None:
    if value is None:
        return None
    return value.replace("{sources}", str(workspace_dir("sources").resolve()))


def open_source(cfg: TableConfig) -> Source:
    """The table's source, located through its credentials; LookupError names what to set."""
    conn = cfg.connection
    try:
        location, _ = resolve_url(conn.credentials, _expand(conn.default))
    except LookupError as error:
        raise LookupError(f"{cfg.name}: {error}") from None
    if conn.kind == "sql":
        return SqlSource(location, cfg.contract, batch_size=cfg.batch_size, schema=conn.options.get("schema"))
    if conn.kind in ("csv", "xlsx"):
        return FileDropSource(location, cfg.contract, conn.kind, batch_size=cfg.batch_size)
    token = resolve_secret(conn.token, conn.token_default) if conn.token else conn.token_default
    if conn.token and not token:
        raise LookupError(f"{cfg.name}: no API token for {redact_url(location)}: set {where_to_set(conn.token)}")
    options = conn.options
    client = HttpJsonClient(
        location,
        token,
        timeout=float(options.get("timeout_seconds", 30)),
        retry=RetryPolicy(
            max_attempts=int(options.get("max_attempts", 5)),
            base_seconds=float(options.get("backoff_seconds", 0.5)),
            cap_seconds=float(options.get("backoff_cap_seconds", 30)),
        ),
    )
    timezone = source_platforms()[cfg.platform].timezone
    return HttpSource(
        client,
        cfg.contract,
        timezone,
        page_size=int(options.get("page_size", 500)),
        batch_size=cfg.batch_size,
    )


# -- cursors --------------------------------------------------------------------------------------
def cursor_to_state(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return {"type": "timestamp", "value": value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, int):
        return {"type": "integer", "value": value}
    return {"type": "string", "value": str(value)}


def cursor_from_state(doc: dict[str, Any] | None) -> Any:
    if not doc:
        return None
    kind, value = doc["type"], doc["value"]
    if kind == "timestamp":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


def window_start(cfg: TableConfig, saved: dict[str, Any] | None) -> Any:
    """Lower cursor bound: the saved watermark minus the lookback, inclusive (>=)."""
    if cfg.mode != "incremental":
        return None
    value = cursor_from_state(saved)
    if value is None or cfg.lookback is None:
        return value
    if isinstance(value, int):
        return value - int(cfg.lookback if isinstance(cfg.lookback, int) else 0)
    if isinstance(value, str):
        fmt = cfg.contract.column(cfg.contract.cursor).format or "%Y-%m-%d %H:%M:%S"
        return (datetime.strptime(value, fmt) - cfg.lookback).strftime(fmt)
    return value - cfg.lookback


# -- one table ------------------------------------------------------------------------------------
class _TableRun:
    def __init__(self, cfg: TableConfig, run_id: str, state: TableState, progress: Progress):
        self.cfg = cfg
        self.contract = cfg.contract
        self.run_id = run_id
        self.state = state
        self.progress = progress
        self.staging = staging_dir(cfg.platform, cfg.table, run_id)
        shutil.rmtree(self.staging, ignore_errors=True)
        (self.staging / "data").mkdir(parents=True)
        (self.staging / "quarantine").mkdir(parents=True)
        self.extracted_at = datetime.now(UTC)
        self.con = _duckdb.connect(temp_dir=self.staging / "tmp", memory_limit=MEMORY_LIMIT)
        self.keys = [_duckdb.identifier(k) for k in self.contract.primary_key]
        self.key_schema = state.key_schema
        if state.index_path and state.index_path.is_file():
            self.con.execute(f"create table idx as {read_index_sql(state.index_path)}")
        else:
            self.con.register("_empty_idx", index_schema(self.key_schema).empty_table())
            self.con.execute("create table idx as select * from _empty_idx")
            self.con.unregister("_empty_idx")
        self.counts = dict.fromkeys(COUNT_NAMES, 0)
        self.key_status: dict[str, int] = {}
        self.withheld: list[str] = []
        self.source_window: int | None = None
        self.reasons: dict[str, int] = {}
        self.files: list[dict[str, Any]] = []
        self.quarantine_files: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.schema: pa.Schema | None = None
        self.drift = None
        self.cursor_min: Any = None
        self.cursor_max: Any = None

    def close(self) -> None:
        self.con.close()

    def live_keys(self) -> int:
        """Keys the table holds now (the key index, with this run's units folded in)."""
        return self.con.execute("select count(*) from idx where not _yw_deleted").fetchone()[0]

    def lineage(self) -> str:
        lit = _duckdb.literal
        return (
            f"{lit(self.cfg.platform)} as _yw_platform, {lit(self.cfg.table)} as _yw_table, "
            f"{lit(self.run_id)} as _yw_run_id, "
            f"cast({lit(self.extracted_at.isoformat())} as TIMESTAMPTZ) as _yw_extracted_at"
        )

    # -- staging one unit ------------------------------------------------------------------------
    def _match(self, a: str, b: str) -> str:
        """`a.k = b.k and ...` over the primary key (quoted identifiers only)."""
        return " and ".join(f"{a}.{k} = {b}.{k}" for k in self.keys)

    def _key_status(self, alias: str) -> str:
        """SQL for a quarantined row's key: held at its last good version, never good, or unreadable."""
        unreadable = " or ".join(f"{alias}.{k} is null" for k in self.keys)
        return (
            f"case when {unreadable} then 'key_unreadable' "  # noqa: S608
            f"when exists (select 1 from idx i where {self._match('i', alias)} and not i._yw_deleted) "
            "then 'kept_last_good' else 'no_good_version' end"
        )

    def stage(self, unit: Unit, read: SourceRead, n: int) -> dict[str, Any]:
        cfg, contract = self.cfg, self.contract
        info: dict[str, Any] = {"label": unit.label, **read.details}
        if unit.path is not None:
            info |= {"file": unit.path.name, "sha256": unit.sha256}
        qpath = self.staging / "quarantine" / f"part-{n:05d}.parquet"
        qwriter: pq.ParquetWriter | None = None
        rows = good_rows = 0
        unit_min = unit_max = None
        # keys of this unit's quarantined rows: they keep their last good version, never a delete
        keys = ", ".join(self.keys)
        self.con.execute(f"create or replace temp table qkeys as select {keys} from idx limit 0")  # noqa: S608
        unreadable = 0

        def quarantine(table: pa.Table) -> None:
            nonlocal qwriter
            if table.num_rows == 0:
                return
            q = pa.table(
                {
                    "_yw_platform": pa.array([cfg.platform] * table.num_rows),
                    "_yw_table": pa.array([cfg.table] * table.num_rows),
                    "_yw_run_id": pa.array([self.run_id] * table.num_rows),
                    "_yw_extracted_at": pa.array([self.extracted_at] * table.num_rows, pa.timestamp("us", tz="UTC")),
                    "_yw_source": pa.array([unit.label] * table.num_rows),
                    **{name: table[name].cast(pa.string()) for name in QUARANTINE_COLUMNS},
                }
            )
            if qwriter is None:
                qwriter = pq.ParquetWriter(qpath, q.schema, compression="zstd")
            qwriter.write_table(q)
            for column, tally in (("_yw_reason", self.reasons), ("_yw_key_status", self.key_status)):
                for value, count in zip(*pc.value_counts(q[column]).flatten(), strict=True):
                    tally[value.as_py()] = tally.get(value.as_py(), 0) + count.as_py()

        def quarantine_bad(bad: pa.Table) -> None:
            nonlocal unreadable
            if bad.num_rows == 0:
                return
            self.con.register("_bad", bad.append_column("_yw_rn", pa.array(range(bad.num_rows), pa.int64())))
            try:
                readable = " and ".join(f"b.{k} is not null" for k in self.keys)
                self.con.execute(
                    f"insert into qkeys select distinct {', '.join(f'b.{k}' for k in self.keys)} "  # noqa: S608
                    f"from _bad b where {readable}"
                )
                unreadable += self.con.execute(
                    f"select count(*) from _bad b where not ({readable})"  # noqa: S608
                ).fetchone()[0]
                quarantine(
                    self.con.execute(
                        "select _yw_reason, _yw_column, _yw_raw_value, _yw_record, "  # noqa: S608
                        f"{self._key_status('b')} as _yw_key_status, {key_text_sql(self.keys, 'b')} as _yw_key "
                        "from _bad b order by _yw_rn"
                    ).to_arrow_table()
                )
            finally:
                self.con.unregister("_bad")

        # good rows stream to a staging Parquet file: memory stays one batch deep
        raw_path = self.staging / f"raw-{n:05d}.parquet"
        raw_writer: pq.ParquetWriter | None = None
        created = False
        try:
            if read.file_reason:
                for batch in read.batches:
                    rows += batch.num_rows
                    records = [json.dumps(r, ensure_ascii=False) for r in batch.to_pylist()]
                    quarantine(
                        pa.table(
                            {
                                "_yw_reason": [read.file_reason] * batch.num_rows,
                                "_yw_column": pa.nulls(batch.num_rows, pa.string()),
                                "_yw_raw_value": pa.nulls(batch.num_rows, pa.string()),
                                "_yw_record": records,
                                "_yw_key_status": ["unit_refused"] * batch.num_rows,
                                "_yw_key": pa.nulls(batch.num_rows, pa.string()),
                            }
                        )
                    )
                    self.progress.advance(cfg, batch.num_rows)
            else:
                self.drift = check_drift(contract, read.schema, cfg.drift)
                where = f"file {unit.path.name}" if unit.path is not None else f"the {unit.label} read"
                reason = self.drift.hold_reason(contract, where)
                if reason:
                    raise HeldBatch(reason, info | {"columns": read.schema.names})
                timezone = source_platforms()[cfg.platform].timezone
                soft = contract.soft_delete if cfg.delete_detection == "soft" else None
                sql = coercion_sql(contract, read.schema, self.drift, "_raw_batch", timezone, soft)
                cursor = contract.cursor
                for batch in read.batches:
                    rows += batch.num_rows
                    self.con.register("_raw_batch", batch)
                    out = self.con.execute(sql).to_arrow_table()
                    self.con.unregister("_raw_batch")
                    bad_mask = pc.is_valid(out["_yw_reason"])
                    quarantine_bad(out.filter(bad_mask))
                    good = out.filter(pc.invert(bad_mask)).drop_columns(
                        ["_yw_reason", "_yw_column", "_yw_raw_value", "_yw_record"]
                    )
                    good = good.append_column(
                        "_yw_seq", pa.array(range(good_rows, good_rows + good.num_rows), pa.int64())
                    )
                    good_rows += good.num_rows
                    if cursor and good.num_rows:
                        lo, hi = pc.min_max(good[cursor]).values()
                        lo, hi = lo.as_py(), hi.as_py()
                        unit_min = lo if unit_min is None or (lo is not None and lo < unit_min) else unit_min
                        unit_max = hi if unit_max is None or (hi is not None and hi > unit_max) else unit_max
                    if raw_writer is None:
                        raw_writer = pq.ParquetWriter(raw_path, good.schema, compression="snappy")
                        created = True
                        self.schema = good.schema.remove(good.schema.get_field_index("_yw_seq"))
                    if good.num_rows:
                        raw_writer.write_table(good)
                    self.progress.advance(cfg, batch.num_rows)
                    if n == 0 and rows == batch.num_rows:
                        fault("read")
            if raw_writer is not None:
                raw_writer.close()
                raw_writer = None
            info |= {"rows_read": rows, "window_count": read.window_count}
            self.counts["source"] += rows
            self.counts["quarantined"] += rows - good_rows
            if read.window_count is not None:
                self.source_window = (self.source_window or 0) + read.window_count
            diff = unit.snapshot and cfg.delete_detection == "diff" and not read.file_reason
            self._finalize(n, raw_path if created else None, good_rows, diff, unreadable, info, quarantine)
        finally:
            if qwriter is not None:
                qwriter.close()
            if raw_writer is not None:
                raw_writer.close()
        if qpath.exists():
            self.quarantine_files.append({"path": qpath.name, "rows": pq.read_metadata(qpath).num_rows})
        if unit_min is not None:
            self.cursor_min = unit_min if self.cursor_min is None else min(self.cursor_min, unit_min)
        if unit_max is not None:
            self.cursor_max = unit_max if self.cursor_max is None else max(self.cursor_max, unit_max)
        raw_path.unlink(missing_ok=True)
        info["taken"] = True
        return info

    def _repeated(self, source: str) -> tuple[int, int, int]:
        """Find keys the unit holds more than once; those with different rows go to `hold` unless
        the table's rule picks one. Returns (surplus rows of kept keys, of which rule-superseded,
        rows of held keys). Looks at keys only, cheap, when no key repeats."""
        keys = self.keys
        cols = ", ".join(keys)
        match = self._match("x", "r")
        self.con.execute(
            f"create or replace temp table rep as select {cols}, count(*) as n, 1 as h from {source} "  # noqa: S608
            f"group by {cols} having count(*) > 1"
        )
        self.con.execute(f"create or replace temp table hold as select {cols} from qkeys limit 0")  # noqa: S608
        if self.con.execute("select count(*) from rep").fetchone()[0]:
            self.con.execute("create or replace temp table rep0 as select * from rep")
            self.con.execute(
                f"create or replace temp table rep as select {', '.join(f'r.{k}' for k in keys)}, r.n, "  # noqa: S608
                f"count(distinct x._yw_row_hash) as h from {source} x join rep0 r on {match} "
                f"group by all"
            )
            rule = self.cfg.latest_by
            if rule is None:  # different rows under one key: quarantine them all, never pick
                self.con.execute(f"insert into hold select {cols} from rep where h > 1")  # noqa: S608
            else:  # the rule picks the row with the highest value; a tie between different rows cannot
                col = _duckdb.identifier(rule)
                xkeys = ", ".join(f"x.{k}" for k in keys)
                self.con.execute(
                    f"insert into hold select {cols} from (select {xkeys}, x._yw_row_hash, x.{col} as v, "  # noqa: S608
                    f"max(x.{col}) over (partition by {xkeys}) as top from {source} x join rep r on {match} "
                    f"where r.h > 1) where v is not distinct from top "
                    f"group by {cols} having count(distinct _yw_row_hash) > 1"
                )
        # a key with a quarantined row and a good one: which is right cannot be told, so neither lands
        if self.con.execute("select count(*) from qkeys").fetchone()[0]:
            self.con.execute(
                f"insert into hold select {', '.join(f'q.{k}' for k in keys)} from qkeys q "  # noqa: S608
                f"where exists (select 1 from {source} x where {self._match('x', 'q')}) "
                f"and not exists (select 1 from hold h where {self._match('h', 'q')})"
            )
        surplus, superseded = self.con.execute(
            "select coalesce(sum(n - 1), 0), coalesce(sum(case when h > 1 then n - 1 else 0 end), 0) "  # noqa: S608
            f"from rep r where not exists (select 1 from hold h where {self._match('h', 'r')})"
        ).fetchone()
        held_rows = 0
        if self.con.execute("select count(*) from hold").fetchone()[0]:
            held_rows = self.con.execute(
                f"select count(*) from {source} x "  # noqa: S608
                f"where exists (select 1 from hold h where {self._match('h', 'x')})"
            ).fetchone()[0]
        return int(surplus), int(superseded), int(held_rows)

    def _finalize(
        self, n: int, raw: Path | None, good_rows: int, diff: bool, unreadable: int, info: dict, quarantine
    ) -> None:
        # SQL below is assembled from identifiers quoted by _duckdb.identifier and literals
        # escaped by _duckdb.literal; no value from a source or a file is pasted into it.
        keys = self.keys
        on = " and ".join(f"s.{k} = i.{k}" for k in keys)
        created = raw is not None
        surplus = held_rows = 0
        if created:
            source = f"read_parquet({_duckdb.literal(str(raw))})"
            surplus, superseded, held_rows = self._repeated(source)
            fields = [f for f in self.schema if not f.name.startswith("_yw_")]
            if held_rows:
                self._quarantine_conflicts(source, fields, quarantine)
            self.counts["duplicates_superseded"] += superseded
            hold = f" where not exists (select 1 from hold h where {self._match('h', 'x')})"  # noqa: S608
            hold = hold if held_rows else ""
            order = f"{_duckdb.identifier(self.cfg.latest_by)} desc nulls last, " if self.cfg.latest_by else ""
            # the common case (no repeated key) streams from the staged file without a window
            dedupe = (
                f" qualify row_number() over (partition by {', '.join(f'x.{k}' for k in keys)} "
                f"order by {order}_yw_seq desc) = 1"
                if surplus
                else ""
            )
            self.con.execute(
                f"create or replace temp view s as select * exclude (_yw_seq) from {source} x{hold}{dedupe}"  # noqa: S608
            )
        elif diff:  # an empty snapshot: every live key is gone
            self.con.execute("create or replace temp table s as select * from idx limit 0")
            self.con.execute(f"create or replace temp table hold as select {', '.join(keys)} from qkeys limit 0")  # noqa: S608
            fields = [pa.field(c.name, c.arrow_type) for c in self.contract.columns]
        else:
            self._count_held_keys(with_hold=False)
            return
        self._count_held_keys(with_hold=True)
        self.counts["quarantined"] += held_rows
        deduped = good_rows - held_rows - surplus
        self.counts["duplicates"] += surplus
        parts = []
        if created:
            select_s = ", ".join(f"s.{_duckdb.identifier(f.name)}" for f in fields)
            parts.append(
                f"select {select_s}, {self.lineage()}, s._yw_row_hash, "  # noqa: S608
                "case when s._yw_is_deleted then 'delete' "
                "when i._yw_deleted is null or i._yw_deleted then 'insert' "
                "else 'update' end as _yw_op "
                f"from s left join idx i on {on} "
                "where i._yw_deleted is null or i._yw_row_hash is distinct from s._yw_row_hash "
                "or i._yw_deleted <> s._yw_is_deleted or i._yw_quarantined"
            )
        detected = 0
        if diff:
            keyset = set(self.contract.primary_key)
            cols = ", ".join(
                f"i.{_duckdb.identifier(f.name)}"
                if f.name in keyset
                else f"cast(null as {_duck_type(f.type)}) as {_duckdb.identifier(f.name)}"
                for f in fields
            )
            # a key whose row was quarantined keeps its last good version: it is not gone
            kept = " and ".join(
                f"not exists (select 1 from {t} q where {self._match('q', 'i')})"  # noqa: S608
                for t in ("qkeys", "hold")
            )
            anti = f"not i._yw_deleted and not exists (select 1 from s where {on}) and {kept}"  # noqa: S608
            candidates = self.con.execute(
                f"select count(*) from idx i where {anti}"  # noqa: S608
            ).fetchone()[0]
            if unreadable:
                # a row whose key cannot be read may be any of the missing keys: none is ruled out
                self.counts["deletes_withheld"] += candidates
                if candidates:
                    self.withheld.append(f"{unreadable} quarantined row(s) with an unreadable key")
            else:
                detected = candidates
                parts.append(
                    f"select {cols}, {self.lineage()}, i._yw_row_hash, "  # noqa: S608
                    f"'delete' as _yw_op from idx i where {anti}"
                )
        self.counts["detected_deletes"] += detected
        if not parts:
            self.counts["unchanged"] += deduped
            return
        path = self.staging / "data" / f"part-{n:05d}.parquet"
        self.con.execute(
            f"copy ({' union all '.join(parts)}) to {_duckdb.literal(str(path))} (format parquet, compression zstd)"
        )
        ops = dict(self.con.execute("select _yw_op, count(*) from read_parquet(?) group by 1", [str(path)]).fetchall())
        written = sum(ops.values())
        landed = written - detected
        self.counts["landed"] += landed
        self.counts["unchanged"] += deduped - landed
        for op in ("insert", "update", "delete"):
            self.counts[op] += ops.get(op, 0)
        if written == 0:
            path.unlink()
            return
        self.files.append({"path": path.name, "rows": written, "source": info.get("label")})
        # fold the unit into the in-run index so the next unit (file) compares against it
        match = " and ".join(f"idx.{k} = p.{k}" for k in keys)
        part = _duckdb.literal(str(path))
        self.con.execute(f"delete from idx using read_parquet({part}) p where {match}")  # noqa: S608
        self.con.execute(
            f"insert into idx select {', '.join(keys)}, _yw_row_hash, "  # noqa: S608
            f"_yw_op = 'delete', false from read_parquet({part})"
        )

    def _count_held_keys(self, with_hold: bool) -> None:
        """Keys kept at their last good version: live keys whose row in this unit was quarantined.
        They are marked in the index, so their next clean read lands again (and closes the
        quarantine sighting) even when it equals the last good version."""
        keys = ", ".join(self.keys)
        held = f"select {keys} from qkeys" + (f" union select {keys} from hold" if with_hold else "")  # noqa: S608
        self.counts["held_keys"] += self.con.execute(
            f"update idx i set _yw_quarantined = true where not i._yw_deleted "  # noqa: S608
            f"and exists (select 1 from ({held}) k where {self._match('i', 'k')})"
        ).fetchone()[0]

    def _quarantine_conflicts(self, source: str, fields: list[pa.Field], quarantine) -> None:
        """Every row of a held key goes to quarantine as `duplicate_key_conflict` (the typed row as JSON)."""
        keys = self.keys
        names = self.contract.primary_key
        value = (
            f"cast(x.{keys[0]} as VARCHAR)"
            if len(keys) == 1
            else f"to_json(struct_pack({', '.join(f'{k} := x.{k}' for k in keys)}))"
        )
        record = ", ".join(f"{_duckdb.identifier(f.name)} := x.{_duckdb.identifier(f.name)}" for f in fields)
        reader = self.con.execute(
            f"select 'duplicate_key_conflict' as _yw_reason, {_duckdb.literal(','.join(names))} as _yw_column, "  # noqa: S608
            f"{value} as _yw_raw_value, to_json(struct_pack({record})) as _yw_record, "
            f"{self._key_status('x')} as _yw_key_status, {key_text_sql(keys, 'x')} as _yw_key from {source} x "
            f"where exists (select 1 from hold h where {self._match('h', 'x')}) order by x._yw_seq"
        ).fetch_record_batch(50_000)
        for batch in reader:
            quarantine(pa.Table.from_batches([batch]))

    # -- the manifest ------------------------------------------------------------------------------
    def manifest(self, description: str, since: Any, full: bool) -> dict[str, Any]:
        cfg = self.cfg
        data = self.staging / "data"
        for f in self.files:
            f["sha256"] = sha256_file(data / f["path"])
            f["bytes"] = (data / f["path"]).stat().st_size
        qrel = os.path.relpath(self.staging / "quarantine", self.staging / "data")  # placeholder, fixed at commit
        del qrel
        schema = None
        if self.files:
            schema = pq.read_schema(data / self.files[0]["path"])
        fields = [{"name": f.name, "type": str(f.type)} for f in schema] if schema else None
        before = self.state.cursor
        after = cursor_to_state(self.cursor_max) if self.cursor_max is not None else before
        if before and after and cursor_from_state(after) < cursor_from_state(before):
            after = before  # the watermark never goes back
        counts = dict(self.counts)
        return {
            "manifest_version": MANIFEST_VERSION,
            "platform": cfg.platform,
            "table": cfg.table,
            "run_id": self.run_id,
            "kind": cfg.kind,
            "mode": cfg.mode,
            "full": full,
            "source": description,
            "extracted_at": self.extracted_at.isoformat(),
            "window": {
                "cursor_column": self.contract.cursor,
                "since": cursor_to_state(since),
                "lookback": str(cfg.lookback) if cfg.lookback is not None else None,
                "cursor_min": cursor_to_state(self.cursor_min),
                "cursor_max": cursor_to_state(self.cursor_max),
            },
            "cursor": {"before": before, "after": after},
            "counts": counts | {"source_window": self.source_window},
            "reconciliation": {
                "rule": "source = landed + quarantined + unchanged + duplicates",
                "ok": counts["source"]
                == counts["landed"] + counts["quarantined"] + counts["unchanged"] + counts["duplicates"],
            },
            "files": self.files,
            "quarantine": {"files": [], "reasons": self.reasons, "key_status": self.key_status},
            "deletes": {
                "detected": counts["detected_deletes"],
                "withheld": counts["deletes_withheld"],
                "withheld_because": "; ".join(self.withheld) or None,
            },
            "schema": fields,
            "drift": self.drift.as_dict() if self.drift else {"policy": cfg.drift, "added": [], "missing": []},
            "units": self.units,
        }


def _discard(cfg: TableConfig, run_id: str) -> None:
    """Remove what a failed run of the table wrote: its staging, and batch folders with no manifest."""
    staging = staging_dir(cfg.platform, cfg.table, run_id)
    shutil.rmtree(staging, ignore_errors=True)
    for empty in (staging.parent, staging.parent.parent):  # _staging/<run_id>/<platform>, <run_id>
        try:
            empty.rmdir()
        except OSError:
            break
    try:
        remove_debris(cfg.platform, cfg.table)  # a commit cut short (disk full) left no manifest
    except OSError:
        pass  # a read-only workspace: nothing could have been written


ACCEPT_SHORT_HINT = "yiwang extract --accept-short {name}"


class ShortDrop(SourceError):
    """A dropped file refused as possibly cut or short: terminal, unless the operator confirms it
    (`accept_short`); a file broken inside (rows of the wrong width) is refused whatever they say."""


def _refused(cfg: TableConfig, why: str) -> ShortDrop:
    return ShortDrop(
        f"{why}; the file is refused and nothing landed (the table keeps its previous state). Deliver the "
        f"whole export again, or if it is complete as it is, run `{ACCEPT_SHORT_HINT.format(name=cfg.name)}`"
    )


def _short(cfg: TableConfig, read: SourceRead, rows_read: int, live: int | None) -> str | None:
    """Why a full export looks too short: it would land the rows it lacks as deletes."""
    if live and rows_read < cfg.min_row_ratio * live:
        name = read.details.get("file") or "the export"
        return (
            f"{name}: {rows_read} rows, fewer than {cfg.min_row_ratio:.0%} of the {live} records the table "
            "holds now (min_row_ratio)"
        )
    return None


def extract_table(
    cfg: TableConfig,
    run_id: str,
    full: bool = False,
    progress: Progress | None = None,
    source: Source | None = None,
    accept_short: bool = False,
) -> TableResult:
    """Extract one table; raises ExtractError (SourceError, DriftError) on failure.

    A file drop with no new file lands nothing (the result's note says "no new file"). A dropped
    file that ends without a line break, or holds fewer rows than `min_row_ratio` of the live keys,
    is refused unless `accept_short` (the operator confirmed it).
    """
    progress = progress or Progress()
    contract = cfg.contract
    key_schema = pa.schema([(k, contract.column(k).arrow_type) for k in contract.primary_key])
    state = TableState.load(cfg.platform, cfg.table, key_schema)
    with state.lock():
        remove_debris(cfg.platform, cfg.table)
        state.catch_up()
        own_source = source is None
        source = source or open_source(cfg)
        run = None
        try:
            since = None if full else window_start(cfg, state.cursor)
            units = source.units(since, state.files, full)
            if not units and cfg.mode == "file_drop":
                # no new file is not a batch: an empty one would read as a table emptied at the source
                result = TableResult(
                    cfg.platform, cfg.table, run_id, "ok", dict.fromkeys(COUNT_NAMES, 0), note="no new file"
                )
                progress.finish(cfg, result)
                return result
            for attempt in range(READ_ATTEMPTS):
                # a transient failure (source down, dropped mid-read) restarts the table from
                # scratch: what the failed attempt staged is discarded, nothing was visible
                run = _TableRun(cfg, run_id, state, progress)
                accepted: list[str] = []  # doubts the operator waived with accept_short
                progress.start(cfg, None)
                try:
                    for n, unit in enumerate(units):
                        read = source.read(unit)
                        if read.window_count is not None:
                            progress.start(cfg, read.window_count)
                        guarded = cfg.mode == "file_drop" and not read.file_reason
                        live = run.live_keys() if guarded else None
                        doubts = [read.suspect] if read.suspect else []
                        if doubts and not accept_short:
                            raise _refused(cfg, doubts[0])
                        info = run.stage(unit, read, n)
                        doubts += [d for d in [_short(cfg, read, info["rows_read"], live)] if d]
                        if doubts and not accept_short:
                            raise _refused(cfg, doubts[-1])
                        accepted += doubts
                        run.units.append(info)
                    break
                except SourceError as error:
                    run.close()
                    if not error.transient:
                        raise
                    if attempt + 1 == READ_ATTEMPTS:
                        raise SourceError(
                            f"{error} (gave up after {READ_ATTEMPTS} reads; nothing landed)", transient=True
                        ) from error
                    time.sleep(min(RETRY_BASE_SECONDS * 2**attempt, 5))
            fault("staged")
            manifest = run.manifest(source.description, since, full)
            if accepted:  # the landing gate does not hold back a drop the operator confirmed
                manifest["accepted_short"] = accepted
            qdir = run.staging / "quarantine"
            if any(qdir.glob("*.parquet")):
                rel = os.path.relpath(
                    quarantine_dir(cfg.platform, cfg.table, run_id),
                    batch_dir(cfg.platform, cfg.table, run_id),
                )
                manifest["quarantine"]["files"] = [
                    {
                        "path": f"{rel}/{q['path']}",
                        "rows": q["rows"],
                        "sha256": sha256_file(qdir / q["path"]),
                    }
                    for q in run.quarantine_files
                ]
            run.close()
            batch = commit(run.staging, cfg.platform, cfg.table, run_id, manifest, fault=fault)
            fault("committed")
            state.apply(batch)
        except HeldBatch as held:
            return _hold(run, held, source.description, since, full, progress)
        except BaseException:
            if run is not None:
                run.close()
            _discard(cfg, run_id)
            raise
        finally:
            if own_source:
                source.close()
    result = TableResult(cfg.platform, cfg.table, run_id, "ok", manifest["counts"], batch.path / "_manifest.json")
    progress.finish(cfg, result)
    return result


def _hold(run: _TableRun, held: HeldBatch, description: str, since: Any, full: bool, progress: Progress) -> TableResult:
    """Nothing of a held run lands and the state stays as it was; its manifest, kept apart under
    _held/, says why (the landing gate reports the table until a later batch lands)."""
    cfg = run.cfg
    run.close()
    shutil.rmtree(run.staging, ignore_errors=True)
    run.files = []  # what earlier units staged is discarded with them
    manifest = run.manifest(description, since, full)
    counts = dict.fromkeys(run.counts, 0) | {"source_window": None}
    units = [u | {"taken": False} for u in run.units] + [held.unit | {"taken": False, "held": True}]
    manifest |= {
        "status": "held",
        "reason": str(held),
        "counts": counts,
        "reconciliation": dict(manifest["reconciliation"], ok=True),
        "cursor": {"before": run.state.cursor, "after": run.state.cursor},
        "files": [],
        "quarantine": {"files": [], "reasons": {}, "key_status": {}},
        "deletes": {"detected": 0, "withheld": 0, "withheld_because": None},
        "schema": None,
        "units": units,
    }
    record = write_held(cfg.platform, cfg.table, run.run_id, manifest)
    result = TableResult(
        cfg.platform,
        cfg.table,
        run.run_id,
        "held",
        counts,
        record.path / "_manifest.json",
        error=str(held),
        kind=held.kind,
    )
    progress.finish(cfg, result)
    return result


_STORAGE_ADVICE = {
    errno.ENOSPC: "free space on that disk (or move YIWANG_HOME or YIWANG_LANDING_DIR to a larger one)",
    errno.EDQUOT: "free space in the quota (or move YIWANG_HOME or YIWANG_LANDING_DIR)",
    errno.EROFS: "make the workspace writable (YIWANG_HOME, or YIWANG_LANDING_DIR and YIWANG_STATE_DIR)",
    errno.EACCES: "make the workspace writable (YIWANG_HOME, or YIWANG_LANDING_DIR and YIWANG_STATE_DIR)",
    errno.EPERM: "make the workspace writable (YIWANG_HOME, or YIWANG_LANDING_DIR and YIWANG_STATE_DIR)",
}


_SPACE = (errno.ENOSPC, errno.EDQUOT)  # space other runs free when they end: worth a later retry


def _storage_code(error: Exception) -> int | None:
    code = getattr(error, "errno", None)
    if code in _STORAGE_ADVICE:
        return code
    text = " ".join(str(error).split())  # DuckDB and Arrow pass the OS message on, not the errno
    return next((c for c in _STORAGE_ADVICE if os.strerror(c) in text), None)


def storage_kind(error: Exception) -> ErrorKind:
    """Whether a failed write may pass later: full disks and I/O hiccups may, a read-only or
    forbidden workspace, exhausted working memory and DuckDB's own (non-I/O) errors do not."""
    code = _storage_code(error)
    if code is not None:
        return "transient" if code in _SPACE else "terminal"
    if isinstance(error, duckdb.Error) and not isinstance(error, duckdb.IOException):
        return "terminal"  # includes OutOfMemoryException: the same data needs the same memory
    return "transient"


def storage_error(cfg: TableConfig, error: Exception) -> str:
    """One line for a failed write: what the OS said, where, and what to do."""
    text = " ".join(str(error).split())
    if isinstance(error, duckdb.OutOfMemoryException):
        return (
            f"{cfg.name}: staging ran out of DuckDB's {MEMORY_LIMIT} of working memory; nothing landed: look for "
            "an oversized value in the source (or raise connectors.pipeline.MEMORY_LIMIT), then run again"
        )
    code = _storage_code(error)
    if code is None:
        return f"{cfg.name}: {error.__class__.__name__}: {text[:300]}"
    where = getattr(error, "filename", None) or text[:200]
    return (
        f"{cfg.name}: {os.strerror(code).lower()} ({where}); nothing landed and the partial files were "
        f"removed: {_STORAGE_ADVICE[code]}, then run again"
    )


def _accepted(accept_short: Collection[str], cfg: TableConfig) -> bool:
    return cfg.name in accept_short or cfg.platform in accept_short


def extract(
    tables: list[TableConfig],
    full: bool = False,
    progress: Progress | None = None,
    run_id: str | None = None,
    accept_short: Collection[str] = (),
) -> list[TableResult]:
    """Extract tables one after another; a failing table does not stop the others.

    A failed or held table's result carries the error's `kind`: "transient" (the source was
    down, a lock held, the disk full: a later run may pass) or "terminal" (a refused file, drift,
    a missing credential: a person must act first); schedulers retry by kind, never by message.

    `accept_short` names tables (`party_building.members`) or platforms whose dropped files the
    operator confirmed as complete although they look short (see `extract_table`).
    """
    run_id = run_id or new_run_id()
    progress = progress or Progress()
    results = []
    for cfg in tables:
        confirmable = False
        try:
            results.append(extract_table(cfg, run_id, full, progress, accept_short=_accepted(accept_short, cfg)))
            continue
        except LockedError as error:
            message, kind = f"{cfg.name}: {error}", error.kind
        except ExtractError as error:
            message, kind, confirmable = str(error), error.kind, isinstance(error, ShortDrop)
        except LookupError as error:  # a credential or location not configured: a person sets it
            message, kind = str(error), "terminal"
        except (OSError, duckdb.Error) as error:
            message, kind = storage_error(cfg, error), storage_kind(error)
        result = TableResult(
            cfg.platform,
            cfg.table,
            run_id,
            "failed",
            error=message,
            kind=kind,
            confirmable=confirmable,
        )
        progress.finish(cfg, result)
        results.append(result)
    return results
