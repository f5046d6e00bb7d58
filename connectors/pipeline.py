"""Extract tables into the landing zone: stage each table's units, commit the batch, apply it.

One table's run: open its source, stage every unit (connectors.staging; a transient source
failure restarts the table, connectors.retry), write the manifest (connectors.manifest), commit
the batch (rename, manifest last) and fold it into the state (cursor, key index). A failed table
leaves nothing behind; a held one leaves only its manifest under _held/.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from connectors.base import ErrorKind, ExtractError, Source, SourceError, SourceRead, Unit
from connectors.cursor import window_start
from connectors.faults import fault
from connectors.landing import commit, remove_debris, staging_dir, write_held
from connectors.manifest import build_manifest, held_manifest
from connectors.progress import Progress
from connectors.registry import TableConfig
from connectors.retry import with_read_retries
from connectors.sources import open_source
from connectors.staging import COUNT_NAMES, HeldBatch, TableRun
from connectors.state import LockedError, TableState
from connectors.storage import storage_error, storage_kind

ACCEPT_SHORT_HINT = "yiwang extract --accept-short {name}"


def new_run_id() -> str:
    """A run id that sorts by time: UTC timestamp to the microsecond plus a random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)


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


def _stage_units(run: TableRun, source: Source, units: list[Unit], accept_short: bool, accepted: list[str]) -> None:
    """Stage every unit; a doubtful drop is refused unless accepted (its doubts go to `accepted`)."""
    cfg = run.cfg
    run.progress.start(cfg, None)
    for n, unit in enumerate(units):
        read = source.read(unit)
        if read.window_count is not None:
            run.progress.start(cfg, read.window_count)
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
        runs: list[TableRun] = []  # one per attempt; the last is the one that counts
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
            accepted: list[str] = []  # doubts the operator waived with accept_short

            def attempt() -> TableRun:
                # a failed attempt staged nothing visible: the next one starts the table from scratch
                accepted.clear()
                runs.append(TableRun(cfg, run_id, state, progress))
                try:
                    _stage_units(runs[-1], source, units, accept_short, accepted)
                except SourceError:
                    runs[-1].close()
                    raise
                return runs[-1]

            run = with_read_retries(attempt)
            fault("staged")
            manifest = build_manifest(run, source.description, since, full)
            if accepted:  # the landing gate does not hold back a drop the operator confirmed
                manifest["accepted_short"] = accepted
            run.close()
            batch = commit(run.staging, cfg.platform, cfg.table, run_id, manifest, fault=fault)
            fault("committed")
            state.apply(batch)
        except HeldBatch as held:
            return _hold(runs[-1], held, source.description, since, full, progress)
        except BaseException:
            if runs:
                runs[-1].close()
            _discard(cfg, run_id)
            raise
        finally:
            if own_source:
                source.close()
    result = TableResult(cfg.platform, cfg.table, run_id, "ok", manifest["counts"], batch.path / "_manifest.json")
    progress.finish(cfg, result)
    return result


def _hold(run: TableRun, held: HeldBatch, description: str, since: Any, full: bool, progress: Progress) -> TableResult:
    """Nothing of a held run lands and the state stays as it was; its manifest, kept apart under
    _held/, says why (the landing gate reports the table until a later batch lands)."""
    cfg = run.cfg
    run.close()
    shutil.rmtree(run.staging, ignore_errors=True)
    manifest = held_manifest(run, held, description, since, full)
    record = write_held(cfg.platform, cfg.table, run.run_id, manifest)
    result = TableResult(
        cfg.platform,
        cfg.table,
        run.run_id,
        "held",
        manifest["counts"],
        record.path / "_manifest.json",
        error=str(held),
        kind=held.kind,
    )
    progress.finish(cfg, result)
    return result


def _accepted(accept_short: Collection[str], cfg: TableConfig) -> bool:
    return cfg.name in accept_short or cfg.platform in accept_short


def _failed(cfg: TableConfig, run_id: str, error: Exception) -> TableResult:
    """The result of a table whose run raised: the message and its kind, never a traceback."""
    confirmable = False
    if isinstance(error, LockedError):
        message, kind = f"{cfg.name}: {error}", error.kind
    elif isinstance(error, ExtractError):
        message, kind, confirmable = str(error), error.kind, isinstance(error, ShortDrop)
    elif isinstance(error, LookupError):  # a credential or location not configured: a person sets it
        message, kind = str(error), "terminal"
    else:
        message, kind = storage_error(cfg, error), storage_kind(error)
    return TableResult(cfg.platform, cfg.table, run_id, "failed", error=message, kind=kind, confirmable=confirmable)


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
        try:
            results.append(extract_table(cfg, run_id, full, progress, accept_short=_accepted(accept_short, cfg)))
        except (LockedError, ExtractError, LookupError, OSError, duckdb.Error) as error:
            result = _failed(cfg, run_id, error)
            progress.finish(cfg, result)
            results.append(result)
    return results
