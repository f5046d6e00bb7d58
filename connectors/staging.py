"""Write one table's run to staging, unit by unit: coerce, quarantine, one row per key, classify.

For each unit the source offers (a cursor window, or one dropped file):
  1. check schema drift (freeze fails here, before anything is written; a contract column
     missing at the source holds the whole run: nothing lands, see HeldBatch);
  2. cast each batch to the contract (DuckDB, vectorised); failing rows go to quarantine and
     their keys keep their last good version;
  3. one row per key (connectors.latest): exact copies are duplicates, different rows under one
     key go to quarantine (or the table's latest_by rule picks one); compare the hash with the key
     index: insert, update, delete (soft delete flag), or unchanged (not landed); in snapshot
     units, live keys that did not come back and were not quarantined are landed as deletes,
     unless a quarantined row's key cannot be read (then no delete is inferred);
  4. write part-NNNNN.parquet in staging.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from connectors.base import ExtractError, SourceRead, Unit
from connectors.coerce import check_drift, coercion_sql
from connectors.faults import fault
from connectors.landing import QUARANTINE_COLUMNS, staging_dir
from connectors.latest import latest_sql, unit_order
from connectors.progress import Progress
from connectors.registry import TableConfig
from connectors.state import TableState, index_schema, key_text_sql, read_index_sql
from yiwang import duckdb_connection as _duckdb
from yiwang.contracts import source_platforms
from yiwang.types import duckdb_type_of_arrow

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


@dataclass
class UnitRows:
    """What reading one unit gave: row counts, the cursor's range and the staged good rows."""

    rows: int = 0
    good_rows: int = 0
    unreadable: int = 0  # quarantined rows whose key cannot be read
    low: Any = None
    high: Any = None
    raw: Path | None = None  # the good rows, staged; None when the unit had none to stage

    def widen(self, low: Any, high: Any) -> None:
        if low is not None and (self.low is None or low < self.low):
            self.low = low
        if high is not None and (self.high is None or high > self.high):
            self.high = high


class QuarantinePart:
    """One unit's quarantine part: rows with their lineage, tallied by reason and key status."""

    def __init__(self, run: TableRun, path: Path, label: str):
        self.run = run
        self.path = path
        self.label = label
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        run, rows = self.run, table.num_rows
        q = pa.table(
            {
                "_yw_platform": pa.array([run.cfg.platform] * rows),
                "_yw_table": pa.array([run.cfg.table] * rows),
                "_yw_run_id": pa.array([run.run_id] * rows),
                "_yw_extracted_at": pa.array([run.extracted_at] * rows, pa.timestamp("us", tz="UTC")),
                "_yw_source": pa.array([self.label] * rows),
                **{name: table[name].cast(pa.string()) for name in QUARANTINE_COLUMNS},
            }
        )
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, q.schema, compression="zstd")
        self._writer.write_table(q)
        for column, tally in (("_yw_reason", run.reasons), ("_yw_key_status", run.key_status)):
            for value, count in zip(*pc.value_counts(q[column]).flatten(), strict=True):
                tally[value.as_py()] = tally.get(value.as_py(), 0) + count.as_py()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class TableRun:
    """One table's run in staging: stage each unit, then the counts and files its manifest lists."""

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
        """Stage one unit as part n; returns the unit's entry in the manifest."""
        info: dict[str, Any] = {"label": unit.label, **read.details}
        if unit.path is not None:
            info |= {"file": unit.path.name, "sha256": unit.sha256}
        qpart = QuarantinePart(self, self.staging / "quarantine" / f"part-{n:05d}.parquet", unit.label)
        # keys of this unit's quarantined rows: they keep their last good version, never a delete
        self.con.execute(f"create or replace temp table qkeys as select {', '.join(self.keys)} from idx limit 0")  # noqa: S608
        try:
            got = self._refuse_unit(read, qpart) if read.file_reason else self._coerce_unit(unit, read, n, info, qpart)
            info |= {"rows_read": got.rows, "window_count": read.window_count}
            self.counts["source"] += got.rows
            self.counts["quarantined"] += got.rows - got.good_rows
            if read.window_count is not None:
                self.source_window = (self.source_window or 0) + read.window_count
            diff = unit.snapshot and self.cfg.delete_detection == "diff" and not read.file_reason
            self._classify(n, got.raw, got.good_rows, diff, got.unreadable, info, qpart.write)
        finally:
            qpart.close()
        if qpart.path.exists():
            self.quarantine_files.append({"path": qpart.path.name, "rows": pq.read_metadata(qpart.path).num_rows})
        if got.low is not None:
            self.cursor_min = got.low if self.cursor_min is None else min(self.cursor_min, got.low)
        if got.high is not None:
            self.cursor_max = got.high if self.cursor_max is None else max(self.cursor_max, got.high)
        if got.raw is not None:
            got.raw.unlink(missing_ok=True)
        info["taken"] = True
        return info

    def _refuse_unit(self, read: SourceRead, qpart: QuarantinePart) -> UnitRows:
        """A unit refused whole (`read.file_reason`): every row goes to quarantine as it was read."""
        got = UnitRows()
        for batch in read.batches:
            rows = batch.num_rows
            got.rows += rows
            qpart.write(
                pa.table(
                    {
                        "_yw_reason": [read.file_reason] * rows,
                        "_yw_column": pa.nulls(rows, pa.string()),
                        "_yw_raw_value": pa.nulls(rows, pa.string()),
                        "_yw_record": [json.dumps(r, ensure_ascii=False) for r in batch.to_pylist()],
                        "_yw_key_status": ["unit_refused"] * rows,
                        "_yw_key": pa.nulls(rows, pa.string()),
                    }
                )
            )
            self.progress.advance(self.cfg, rows)
        return got

    def _coerce_unit(self, unit: Unit, read: SourceRead, n: int, info: dict, qpart: QuarantinePart) -> UnitRows:
        """Cast the unit to the contract: failing rows go to quarantine, good rows stream to a
        staged Parquet file (memory stays one batch deep). A missing column holds the run."""
        cfg, contract = self.cfg, self.contract
        self.drift = check_drift(contract, read.schema, cfg.drift)
        where = f"file {unit.path.name}" if unit.path is not None else f"the {unit.label} read"
        reason = self.drift.hold_reason(contract, where)
        if reason:
            raise HeldBatch(reason, info | {"columns": read.schema.names})
        timezone = source_platforms()[cfg.platform].timezone
        soft = contract.soft_delete if cfg.delete_detection == "soft" else None
        sql = coercion_sql(contract, read.schema, self.drift, "_raw_batch", timezone, soft)
        got = UnitRows()
        writer: pq.ParquetWriter | None = None
        try:
            for batch in read.batches:
                got.rows += batch.num_rows
                self.con.register("_raw_batch", batch)
                out = self.con.execute(sql).to_arrow_table()
                self.con.unregister("_raw_batch")
                bad_mask = pc.is_valid(out["_yw_reason"])
                got.unreadable += self._quarantine_bad(out.filter(bad_mask), qpart)
                good = out.filter(pc.invert(bad_mask)).drop_columns(
                    ["_yw_reason", "_yw_column", "_yw_raw_value", "_yw_record"]
                )
                seq = pa.array(range(got.good_rows, got.good_rows + good.num_rows), pa.int64())
                good = good.append_column("_yw_seq", seq)
                got.good_rows += good.num_rows
                if contract.cursor and good.num_rows:
                    got.widen(*(v.as_py() for v in pc.min_max(good[contract.cursor]).values()))
                if writer is None:
                    got.raw = self.staging / f"raw-{n:05d}.parquet"
                    writer = pq.ParquetWriter(got.raw, good.schema, compression="snappy")
                    self.schema = good.schema.remove(good.schema.get_field_index("_yw_seq"))
                if good.num_rows:
                    writer.write_table(good)
                self.progress.advance(cfg, batch.num_rows)
                if n == 0 and got.rows == batch.num_rows:
                    fault("read")
        finally:
            if writer is not None:
                writer.close()
        return got

    def _quarantine_bad(self, bad: pa.Table, qpart: QuarantinePart) -> int:
        """Quarantine rows that failed their casts; returns how many of them have no readable key."""
        if bad.num_rows == 0:
            return 0
        self.con.register("_bad", bad.append_column("_yw_rn", pa.array(range(bad.num_rows), pa.int64())))
        try:
            readable = " and ".join(f"b.{k} is not null" for k in self.keys)
            self.con.execute(
                f"insert into qkeys select distinct {', '.join(f'b.{k}' for k in self.keys)} "  # noqa: S608
                f"from _bad b where {readable}"
            )
            unreadable = self.con.execute(f"select count(*) from _bad b where not ({readable})").fetchone()[0]  # noqa: S608
            qpart.write(
                self.con.execute(
                    "select _yw_reason, _yw_column, _yw_raw_value, _yw_record, "  # noqa: S608
                    f"{self._key_status('b')} as _yw_key_status, {key_text_sql(self.keys, 'b')} as _yw_key "
                    "from _bad b order by _yw_rn"
                ).to_arrow_table()
            )
        finally:
            self.con.unregister("_bad")
        return unreadable

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

    def _classify(
        self, n: int, raw: Path | None, good_rows: int, diff: bool, unreadable: int, info: dict, quarantine
    ) -> None:
        """One row per key, compared with the key index; the changes (and, in a snapshot, the keys
        that did not come back) are written as part n and folded into the in-run index."""
        # SQL here is assembled from identifiers quoted by _duckdb.identifier and literals
        # escaped by _duckdb.literal; no value from a source or a file is pasted into it.
        surplus = held_rows = 0
        if raw is not None:
            fields, surplus, held_rows = self._one_row_per_key(raw, quarantine)
        elif diff:  # an empty snapshot: every live key is gone
            self.con.execute("create or replace temp table s as select * from idx limit 0")
            self.con.execute(f"create or replace temp table hold as select {', '.join(self.keys)} from qkeys limit 0")  # noqa: S608
            fields = [pa.field(c.name, c.arrow_type) for c in self.contract.columns]
        else:
            self._count_held_keys(with_hold=False)
            return
        self._count_held_keys(with_hold=True)
        self.counts["quarantined"] += held_rows
        self.counts["duplicates"] += surplus
        deduped = good_rows - held_rows - surplus
        parts = [self._changes_sql(fields)] if raw is not None else []
        detected = 0
        if diff:
            deletes, detected = self._deletes_sql(fields, unreadable)
            parts += [deletes] if deletes else []
        self.counts["detected_deletes"] += detected
        if not parts:
            self.counts["unchanged"] += deduped
            return
        self._write_part(n, parts, detected, deduped, info)

    def _one_row_per_key(self, raw: Path, quarantine) -> tuple[list[pa.Field], int, int]:
        """View `s`: the unit's rows, one per key (connectors.latest), held keys left out. Returns
        the contract fields, the surplus rows of repeated keys and the rows of held keys."""
        source = f"read_parquet({_duckdb.literal(str(raw))})"
        surplus, superseded, held_rows = self._repeated(source)
        fields = [f for f in self.schema if not f.name.startswith("_yw_")]
        if held_rows:
            self._quarantine_conflicts(source, fields, quarantine)
        self.counts["duplicates_superseded"] += superseded
        hold = f" where not exists (select 1 from hold h where {self._match('h', 'x')})" if held_rows else ""  # noqa: S608
        # the common case (no repeated key) streams from the staged file without a window
        rows = (
            latest_sql(source, self.keys, unit_order(self.cfg.latest_by), hold)
            if surplus
            else f"select * from {source} x{hold}"  # noqa: S608
        )
        self.con.execute(f"create or replace temp view s as select * exclude (_yw_seq) from ({rows})")  # noqa: S608
        return fields, surplus, held_rows

    def _on(self) -> str:
        return " and ".join(f"s.{k} = i.{k}" for k in self.keys)

    def _changes_sql(self, fields: list[pa.Field]) -> str:
        """The rows of `s` that differ from the index: insert, update or (soft) delete."""
        select_s = ", ".join(f"s.{_duckdb.identifier(f.name)}" for f in fields)
        return (
            f"select {select_s}, {self.lineage()}, s._yw_row_hash, "  # noqa: S608
            "case when s._yw_is_deleted then 'delete' "
            "when i._yw_deleted is null or i._yw_deleted then 'insert' "
            "else 'update' end as _yw_op "
            f"from s left join idx i on {self._on()} "
            "where i._yw_deleted is null or i._yw_row_hash is distinct from s._yw_row_hash "
            "or i._yw_deleted <> s._yw_is_deleted or i._yw_quarantined"
        )

    def _deletes_sql(self, fields: list[pa.Field], unreadable: int) -> tuple[str | None, int]:
        """Live keys a snapshot did not bring back, as deletes, and how many; none when a
        quarantined row's key cannot be read (it may be any of them: the deletes are withheld)."""
        keyset = set(self.contract.primary_key)
        cols = ", ".join(
            f"i.{_duckdb.identifier(f.name)}"
            if f.name in keyset
            else f"cast(null as {duckdb_type_of_arrow(f.type)}) as {_duckdb.identifier(f.name)}"
            for f in fields
        )
        # a key whose row was quarantined keeps its last good version: it is not gone
        kept = " and ".join(
            f"not exists (select 1 from {t} q where {self._match('q', 'i')})"  # noqa: S608
            for t in ("qkeys", "hold")
        )
        anti = f"not i._yw_deleted and not exists (select 1 from s where {self._on()}) and {kept}"  # noqa: S608
        candidates = self.con.execute(f"select count(*) from idx i where {anti}").fetchone()[0]  # noqa: S608
        if unreadable:
            self.counts["deletes_withheld"] += candidates
            if candidates:
                self.withheld.append(f"{unreadable} quarantined row(s) with an unreadable key")
            return None, 0
        sql = f"select {cols}, {self.lineage()}, i._yw_row_hash, 'delete' as _yw_op from idx i where {anti}"  # noqa: S608
        return sql, candidates

    def _write_part(self, n: int, parts: list[str], detected: int, deduped: int, info: dict) -> None:
        """Write the unit's changes as part n, count them, and fold them into the in-run index so
        the next unit (file) compares against it."""
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
        keys = ", ".join(self.keys)
        match = " and ".join(f"idx.{k} = p.{k}" for k in self.keys)
        part = _duckdb.literal(str(path))
        self.con.execute(f"delete from idx using read_parquet({part}) p where {match}")  # noqa: S608
        self.con.execute(
            f"insert into idx select {keys}, _yw_row_hash, _yw_op = 'delete', false from read_parquet({part})"  # noqa: S608
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
