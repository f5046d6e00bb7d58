"""Extract one table into the landing zone: read, coerce, classify, stage, commit, apply.

For each unit the source offers (a cursor window, or one dropped file):
  1. read raw Arrow batches; check schema drift (freeze fails here, before anything is written);
  2. cast each batch to the contract (DuckDB, vectorised); failing rows go to quarantine;
  3. keep the last row per key, compare its hash with the key index: insert, update, delete
     (soft delete flag), or unchanged (not landed); in snapshot units, live keys that did not
     come back are landed as deletes;
  4. write part-NNNNN.parquet in staging.
Then the batch is committed (rename, manifest last) and folded into the state (cursor, index).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from connectors.base import ExtractError, Source, SourceError, SourceRead, Unit
from connectors.coerce import check_drift, coercion_sql
from connectors.credentials import resolve_secret, resolve_url
from connectors.files import FileDropSource
from connectors.http import HttpJsonClient, HttpSource, RetryPolicy
from connectors.landing import (
    MANIFEST_VERSION,
    batch_dir,
    commit,
    quarantine_dir,
    remove_debris,
    sha256_file,
    staging_dir,
)
from connectors.progress import Progress
from connectors.registry import TableConfig
from connectors.sql import SqlSource
from connectors.state import TableState, index_schema
from yiwang import duckdb_connection as _duckdb
from yiwang.contracts import source_platforms
from yiwang.settings import workspace_dir

FAULT_ENV = "YIWANG_CONNECTORS_FAULT"  # tests only: "pause:<point>:<marker file>"
READ_ATTEMPTS = 3  # whole-table attempts on a transient source error
RETRY_BASE_SECONDS = 0.5
MEMORY_LIMIT = "256MB"  # DuckDB per connection; past it joins and sorts spill to staging/tmp


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
    status: str  # "ok" or "failed"
    counts: dict[str, int] = field(default_factory=dict)
    manifest_path: Path | None = None
    error: str | None = None

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
    conn = cfg.connection
    location, _ = resolve_url(conn.credentials, _expand(conn.default))
    if conn.kind == "sql":
        return SqlSource(location, cfg.contract, batch_size=cfg.batch_size, schema=conn.options.get("schema"))
    if conn.kind in ("csv", "xlsx"):
        return FileDropSource(location, cfg.contract, conn.kind, batch_size=cfg.batch_size)
    token = resolve_secret(conn.token, conn.token_default) if conn.token else conn.token_default
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
            self.con.execute("create table idx as select * from read_parquet(?)", [str(state.index_path)])
        else:
            self.con.register("_empty_idx", index_schema(self.key_schema).empty_table())
            self.con.execute("create table idx as select * from _empty_idx")
            self.con.unregister("_empty_idx")
        self.counts = dict.fromkeys(
            (
                "source",
                "landed",
                "quarantined",
                "unchanged",
                "duplicates",
                "detected_deletes",
                "insert",
                "update",
                "delete",
            ),
            0,
        )
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

    def lineage(self) -> str:
        lit = _duckdb.literal
        return (
            f"{lit(self.cfg.platform)} as _yw_platform, {lit(self.cfg.table)} as _yw_table, "
            f"{lit(self.run_id)} as _yw_run_id, "
            f"cast({lit(self.extracted_at.isoformat())} as TIMESTAMPTZ) as _yw_extracted_at"
        )

    # -- staging one unit ------------------------------------------------------------------------
    def stage(self, unit: Unit, read: SourceRead, n: int) -> dict[str, Any]:
        cfg, contract = self.cfg, self.contract
        info: dict[str, Any] = {"label": unit.label, **read.details}
        if unit.path is not None:
            info |= {"file": unit.path.name, "sha256": unit.sha256}
        qpath = self.staging / "quarantine" / f"part-{n:05d}.parquet"
        qwriter: pq.ParquetWriter | None = None
        rows = good_rows = 0
        unit_min = unit_max = None

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
                    "_yw_reason": table["_yw_reason"].cast(pa.string()),
                    "_yw_column": table["_yw_column"].cast(pa.string()),
                    "_yw_raw_value": table["_yw_raw_value"].cast(pa.string()),
                    "_yw_record": table["_yw_record"].cast(pa.string()),
                }
            )
            if qwriter is None:
                qwriter = pq.ParquetWriter(qpath, q.schema, compression="zstd")
            qwriter.write_table(q)
            for reason, count in zip(*pc.value_counts(q["_yw_reason"]).flatten(), strict=True):
                self.reasons[reason.as_py()] = self.reasons.get(reason.as_py(), 0) + count.as_py()

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
                            }
                        )
                    )
                    self.progress.advance(cfg, batch.num_rows)
            else:
                self.drift = check_drift(contract, read.schema, cfg.drift)
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
                    quarantine(out.filter(bad_mask))
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
        finally:
            if qwriter is not None:
                qwriter.close()
            if raw_writer is not None:
                raw_writer.close()
        info |= {"rows_read": rows, "window_count": read.window_count}
        self.counts["source"] += rows
        self.counts["quarantined"] += rows - good_rows
        if read.window_count is not None:
            self.source_window = (self.source_window or 0) + read.window_count
        if qpath.exists():
            self.quarantine_files.append({"path": qpath.name, "rows": rows - good_rows})
        if unit_min is not None:
            self.cursor_min = unit_min if self.cursor_min is None else min(self.cursor_min, unit_min)
        if unit_max is not None:
            self.cursor_max = unit_max if self.cursor_max is None else max(self.cursor_max, unit_max)
        diff = unit.snapshot and cfg.delete_detection == "diff" and not read.file_reason
        self._finalize(n, raw_path if created else None, good_rows, diff, info)
        raw_path.unlink(missing_ok=True)
        info["taken"] = True
        return info

    def _finalize(self, n: int, raw: Path | None, good_rows: int, diff: bool, info: dict) -> None:
        # SQL below is assembled from identifiers quoted by _duckdb.identifier and literals
        # escaped by _duckdb.literal; no value from a source or a file is pasted into it.
        keys = self.keys
        on = " and ".join(f"s.{k} = i.{k}" for k in keys)
        created = raw is not None
        if created:
            source = f"read_parquet({_duckdb.literal(str(raw))})"
            # the last row per key wins; look for repeated keys first (keys only, cheap) so the
            # common case streams from the staged file without a window over the whole unit
            repeated = self.con.execute(
                f"select coalesce(sum(c - 1), 0) from (select count(*) as c from {source} "  # noqa: S608
                f"group by {', '.join(keys)} having count(*) > 1)"
            ).fetchone()[0]
            dedupe = (
                f" qualify row_number() over (partition by {', '.join(keys)} order by _yw_seq desc) = 1"
                if repeated
                else ""
            )
            self.con.execute(
                f"create or replace temp view s as select * exclude (_yw_seq) from {source}{dedupe}"  # noqa: S608
            )
            fields = [f for f in self.schema if not f.name.startswith("_yw_")]
        elif diff:  # an empty snapshot: every live key is gone
            self.con.execute("create or replace temp table s as select * from idx limit 0")
            fields = [pa.field(c.name, c.arrow_type) for c in self.contract.columns]
        else:
            return
        deduped = good_rows - repeated if created else 0
        self.counts["duplicates"] += good_rows - deduped
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
                "or i._yw_deleted <> s._yw_is_deleted"
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
            anti = f"not i._yw_deleted and not exists (select 1 from s where {on})"  # noqa: S608
            detected = self.con.execute(
                f"select count(*) from idx i where {anti}"  # noqa: S608
            ).fetchone()[0]
            parts.append(
                f"select {cols}, {self.lineage()}, i._yw_row_hash, "  # noqa: S608
                f"'delete' as _yw_op from idx i where {anti}"
            )
        self.counts["detected_deletes"] += detected
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
            f"_yw_op = 'delete' from read_parquet({part})"
        )

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
            "quarantine": {"files": [], "reasons": self.reasons},
            "schema": fields,
            "drift": self.drift.as_dict() if self.drift else {"policy": cfg.drift, "added": [], "missing": []},
            "units": self.units,
        }


def extract_table(
    cfg: TableConfig,
    run_id: str,
    full: bool = False,
    progress: Progress | None = None,
    source: Source | None = None,
) -> TableResult:
    """Extract one table; raises ExtractError (SourceError, DriftError) on failure."""
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
            for attempt in range(READ_ATTEMPTS):
                # a transient failure (source down, dropped mid-read) restarts the table from
                # scratch: what the failed attempt staged is discarded, nothing was visible
                run = _TableRun(cfg, run_id, state, progress)
                progress.start(cfg, None)
                try:
                    for n, unit in enumerate(units):
                        read = source.read(unit)
                        if read.window_count is not None:
                            progress.start(cfg, read.window_count)
                        run.units.append(run.stage(unit, read, n))
                    break
                except SourceError as error:
                    run.close()
                    if not error.transient or attempt + 1 == READ_ATTEMPTS:
                        raise
                    time.sleep(min(RETRY_BASE_SECONDS * 2**attempt, 5))
            fault("staged")
            manifest = run.manifest(source.description, since, full)
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
        except BaseException:
            if run is not None:
                run.close()
            shutil.rmtree(staging_dir(cfg.platform, cfg.table, run_id), ignore_errors=True)
            raise
        finally:
            if own_source:
                source.close()
    result = TableResult(cfg.platform, cfg.table, run_id, "ok", manifest["counts"], batch.path / "_manifest.json")
    progress.finish(cfg, result)
    return result


def extract(
    tables: list[TableConfig],
    full: bool = False,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> list[TableResult]:
    """Extract tables one after another; a failing table does not stop the others."""
    run_id = run_id or new_run_id()
    progress = progress or Progress()
    results = []
    for cfg in tables:
        try:
            results.append(extract_table(cfg, run_id, full, progress))
        except (ExtractError, OSError, LookupError) as error:
            result = TableResult(cfg.platform, cfg.table, run_id, "failed", error=str(error))
            progress.finish(cfg, result)
            results.append(result)
    return results
