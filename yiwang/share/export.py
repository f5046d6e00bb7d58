"""Department exports (部门数据共享): read the published warehouse, filter, mask, write, audit.

    share(department=None, datasets=None, columns=None, run_id=None, target="duckdb")

Each department's export lands in <exports>/<department>/<run_id>/ (written under a hidden
temporary folder, then renamed into place: a reader never sees half an export) with
manifest.json (run id, warehouse version, per-dataset rows, schema, masking, sha256 of every
file). Delta subscriptions keep the sha256 of every exported row under
<exports>/<department>/state/<dataset>.parquet; the next export writes only the rows that are
new, changed or deleted since, with `_yw_change` (inserted/updated/deleted).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from yiwang import audit
from yiwang.contracts import warehouse_models
from yiwang.settings import local_time, workspace_dir
from yiwang.share.config import Department, Subscription, load_departments
from yiwang.share.fixlists import write_fixlists
from yiwang.share.kanon import suppress_small_cells
from yiwang.share.masking import MaskingLeakError, MissingKeyError, check_rebuild, masker
from yiwang.share.row_filter import compile_filter
from yiwang.targets import Target, attach, resolve_target
from yiwang.warehouse.publish import current_version, versions

MART_SCHEMA = "marts"


class ShareRefused(PermissionError):
    """A request beyond the department's grant (越权请求); it is audited before it is raised."""


@dataclass
class DatasetExport:
    dataset: str
    file: str
    rows: int
    sha256: str
    mode: str
    suppressed_cells: int = 0


@dataclass
class DepartmentExport:
    department: str
    path: Path
    datasets: list[DatasetExport]
    refused: list[str] = field(default_factory=list)


@dataclass
class ShareResult:
    run_id: str
    warehouse_version: str | None
    exports: list[DepartmentExport] = field(default_factory=list)
    fixlists: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # all-department runs: departments without a key

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "warehouse_version": self.warehouse_version,
            "departments": {e.department: {d.dataset: d.rows for d in e.datasets} for e in self.exports},
            "fixlists": {p: Path(f).name for p, f in self.fixlists.items()},
            "errors": self.errors,
            "skipped": self.skipped,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def warehouse_version(target: Target) -> str | None:
    """The published version's run id (quality.published_versions via yiwang.warehouse.publish)."""
    try:
        return current_version(target)
    except Exception:
        return None


def verify_audit(target: Target) -> None:
    """Refuse to share on a broken audit chain: every line's MAC, the recorded head, and the
    heads recorded with the kept publishes of this warehouse."""
    published = []
    if target.is_duckdb:
        try:
            published = [e.get("audit_head") for e in versions(target)]
        except (OSError, ValueError):
            published = []
    try:
        audit.verify(published=published)
    except audit.AuditError as error:
        raise audit.AuditError(
            f"sharing stopped, the audit log cannot be trusted: {error}. Investigate, then restore the log "
            f"(and {audit.DIR_ENV}) from backup, or move it aside with `python -m yiwang.audit restart "
            f"'<reason>'`"
        ) from error


def _read(con, sub: Subscription) -> pd.DataFrame:
    wanted = list(sub.group_by or sub.columns)
    contract = warehouse_models()[sub.dataset]
    keys = [k for k in contract.primary_key if k not in wanted] if not sub.is_aggregate else []
    select = ", ".join(f'"{c}"' for c in [*wanted, *keys])
    # the filter is recompiled from its checked tree: its literals are bound, never spliced
    condition = compile_filter(sub.row_filter, sub.dataset) if sub.row_filter else None
    where = f" where {condition.sql}" if condition else ""
    query = f"select {select} from warehouse.{MART_SCHEMA}.{sub.dataset}{where}"  # noqa: S608 (names from the validated config)
    return con.execute(query, condition.params if condition else []).df()


def _mask(frame: pd.DataFrame, columns: dict[str, str], department: str) -> pd.DataFrame:
    out = frame.copy()
    for name, kind in columns.items():
        if kind != "none":
            out[name] = out[name].map(masker(kind, department)).astype("string")
    return out


def _as_text(frame: pd.DataFrame) -> pd.Series:
    text = frame.astype("string").fillna("\x00")
    return text.agg("\x1f".join, axis=1).map(lambda v: hashlib.sha256(v.encode()).hexdigest())


def _row_hashes(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    key, body = _as_text(frame[keys]), _as_text(frame)
    return pd.DataFrame({"key_sha256": key.values, "row_sha256": body.values})


# Columns an export adds to a mart's own (aggregate counts, delta bookkeeping).
EXTRA_HEADERS = {"person_count": "人数", "_yw_change": "变更类型", "_yw_key_sha256": "主键摘要"}
YES, NO = "是", "否"


def headers(dataset: str, columns: list[str]) -> dict[str, str]:
    """Spreadsheet headers a department's staff read: the schemas' Chinese field name with the
    column name beside it, 是否超期（is_overdue）; `english_name()` reads the column back."""
    chinese = {c.name: c.chinese for c in warehouse_models()[dataset].columns} | EXTRA_HEADERS
    return {c: f"{chinese[c]}（{c}）" if c in chinese else c for c in columns}


def english_name(header: str) -> str:
    """The column name in a spreadsheet export's header (the inverse of `headers()`)."""
    return header.rsplit("（", 1)[1].rstrip("）") if header.endswith("）") and "（" in header else header


def for_people(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """A CSV or Excel sheet as staff read it: Chinese headers, 是/否 for booleans, times on the
    city's clock with their offset (2026-12-02 11:16:20+08:00)."""
    out = frame.copy()
    declared = {c.name: c.type for c in warehouse_models()[dataset].columns}
    for c in out.columns:
        column = out[c]
        if declared.get(c) == "boolean" or pd.api.types.is_bool_dtype(column):
            out[c] = column.map(lambda v: None if pd.isna(v) else (YES if v else NO)).astype("string")
        elif declared.get(c) == "timestamp" or pd.api.types.is_datetime64_any_dtype(column):
            # the marts' _at columns are UTC (naive in the warehouse); staff read their own clock
            moments = pd.to_datetime(column)
            if moments.dt.tz is None:
                moments = moments.dt.tz_localize("UTC")
            out[c] = moments.map(lambda v: None if pd.isna(v) else local_time(v.to_pydatetime())).astype("string")
    return out.rename(columns=headers(dataset, list(out.columns)))


def _write(frame: pd.DataFrame, path: Path, fmt: str, dataset: str) -> None:
    if fmt == "parquet":  # for programs: column names and typed values as the mart has them
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    elif fmt == "csv":
        for_people(frame, dataset).to_csv(path, index=False, encoding="utf-8-sig")
    else:
        for_people(frame, dataset).to_excel(path, index=False, engine="openpyxl")


def _refuse(department: str, what: str, reason: str, run_id: str, purpose: str | None = None) -> None:
    audit.append(
        {
            "event": "refused",
            "department": department,
            "what": what,
            "reason": reason,
            "run_id": run_id,
            "purpose": purpose,
        }
    )
    raise ShareRefused(f"{department}: {what} refused: {reason}")


def _check_request(dep: Department, datasets, columns, run_id: str) -> list[Subscription]:
    chosen = []
    for dataset in datasets or [s.dataset for s in dep.subscriptions if s.shareable]:
        sub = dep.subscription(dataset)
        if sub is None:
            _refuse(dep.id, dataset, f"{dataset} is not granted to {dep.name} ({dep.id})", run_id)
        if not sub.shareable:
            _refuse(dep.id, dataset, f"{dataset} is 不予共享 (not shareable) for {dep.name}: {sub.purpose}", run_id)
        asked = (columns or {}).get(dataset)
        if asked:
            granted = set(sub.group_by or sub.columns)
            beyond = [c for c in asked if c not in granted]
            if beyond:
                _refuse(
                    dep.id,
                    f"{dataset}.{','.join(beyond)}",
                    f"columns {beyond} of {dataset} are not granted; granted: {sorted(granted)}",
                    run_id,
                    sub.purpose,
                )
            sub = Subscription(**{**sub.__dict__, "columns": {c: sub.columns[c] for c in asked}})
        chosen.append(sub)
    return chosen


def _export_one(con, sub: Subscription, folder: Path, state_dir: Path, run_id: str) -> tuple[DatasetExport, Any]:
    frame = _read(con, sub)
    suppressed = 0
    state_update = None
    if sub.is_aggregate:
        frame = _mask(frame, sub.group_by, sub.department)
        frame, suppressed = suppress_small_cells(frame, list(sub.group_by), sub.k)
    else:
        keys = [k for k in warehouse_models()[sub.dataset].primary_key]
        hashes = _row_hashes(frame, keys)
        original = frame
        frame = _mask(frame, sub.columns, sub.department)
        exported = frame[list(sub.columns)]
        check_rebuild(original, exported, sub.columns, f"{sub.department}.{sub.dataset}")
        if sub.mode == "delta":
            state_file = state_dir / f"{sub.dataset}.parquet"
            before = pd.read_parquet(state_file) if state_file.is_file() else hashes.iloc[0:0]
            prev = dict(zip(before.key_sha256, before.row_sha256, strict=True))
            change = [
                "inserted" if k not in prev else ("updated" if prev[k] != r else None)
                for k, r in zip(hashes.key_sha256, hashes.row_sha256, strict=True)
            ]
            exported = exported.assign(_yw_change=change)
            exported = exported[exported["_yw_change"].notna()]
            gone = set(prev) - set(hashes.key_sha256)
            if gone:
                deleted = pd.DataFrame({c: pd.Series([None] * len(gone), dtype="string") for c in sub.columns})
                deleted["_yw_key_sha256"] = sorted(gone)
                deleted["_yw_change"] = "deleted"
                exported = pd.concat([exported, deleted], ignore_index=True)
            state_update = (state_file, hashes)
        frame = exported
    path = folder / f"{sub.dataset}.{sub.format}"
    _write(frame.reset_index(drop=True), path, sub.format, sub.dataset)
    return DatasetExport(sub.dataset, path.name, len(frame), _sha256(path), sub.mode, suppressed), (
        state_update,
        {c: str(t) for c, t in frame.dtypes.items()},
    )


def share(
    department: str | None = None,
    datasets: list[str] | None = None,
    columns: dict[str, list[str]] | None = None,
    *,
    run_id: str | None = None,
    target: Target | str = "duckdb",
    fixlists: bool = True,
    config: Path | None = None,
) -> ShareResult:
    """Export every configured department (or one) from the published warehouse.

    `datasets` / `columns` narrow the request; asking beyond the grant raises ShareRefused
    after an audit entry. Fix lists for the platforms are written too (`fixlists=False` skips)."""
    target = resolve_target(target) if isinstance(target, str) else target
    run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    verify_audit(target)
    departments = load_departments(config)
    if department is not None and department not in departments:
        _refuse(
            department, "*", f"no subscriptions for department {department!r}; known: {sorted(departments)}", run_id
        )
    chosen = [departments[department]] if department else list(departments.values())
    if target.is_duckdb and not Path(target.duckdb_path).is_file():
        raise FileNotFoundError(f"no published warehouse at {target.duckdb_path}; run yiwang build / publish first")
    result = ShareResult(run_id=run_id, warehouse_version=warehouse_version(target))
    con = attach(target, read_only=True)
    try:
        for dep in chosen:
            subs = _check_request(dep, datasets, columns, run_id)
            base = workspace_dir("exports") / dep.id
            final = base / run_id
            tmp = base / f".{run_id}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            done, states, schemas = [], [], {}
            try:
                for sub in subs:
                    export, (state, schema) = _export_one(con, sub, tmp, base / "state", run_id)
                    done.append(export)
                    schemas[sub.dataset] = schema
                    if state:
                        states.append(state)
                manifest = {
                    "run_id": run_id,
                    "department": dep.id,
                    "department_name": dep.name,
                    "warehouse": target.describe(),
                    "warehouse_version": result.warehouse_version,
                    "created_at": local_time(),
                    "datasets": [
                        {
                            **d.__dict__,
                            "share_type": s.share_type,
                            "purpose": s.purpose,
                            "approval": s.approval,
                            "row_filter": s.row_filter,
                            "masking": s.group_by or s.columns,
                            "k": s.k,
                            "schema": schemas[d.dataset],
                            # the spreadsheet header of each column (parquet keeps the names)
                            "headers": None if s.format == "parquet" else headers(d.dataset, list(schemas[d.dataset])),
                        }
                        for d, s in zip(done, subs, strict=True)
                    ],
                }
                (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
                os.replace(tmp, final)
            except Exception as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                if isinstance(exc, MaskingLeakError):  # a refusal of the configuration, audited as one
                    audit.append({"event": "refused", "department": dep.id, "run_id": run_id, "reason": str(exc)})
                    result.errors.append(f"{dep.id}: {exc}")
                    continue
                if isinstance(exc, MissingKeyError) and department is None:
                    # the pipeline's all-department run: one department without its key is skipped
                    # (audited, in the summary); asked for by name it is an error
                    audit.append({"event": "skipped", "department": dep.id, "run_id": run_id, "reason": str(exc)})
                    result.skipped.append(f"{dep.id}: {exc}")
                    continue
                audit.append({"event": "failed", "department": dep.id, "run_id": run_id, "error": str(exc)})
                result.errors.append(f"{dep.id}: {exc}")
                continue
            for state_file, hashes in states:  # only after the export is in place
                state_file.parent.mkdir(parents=True, exist_ok=True)
                hashes.to_parquet(state_file.with_suffix(".tmp"))
                os.replace(state_file.with_suffix(".tmp"), state_file)
            for d, s in zip(done, subs, strict=True):
                audit.append(
                    {
                        "event": "exported",
                        "department": dep.id,
                        "what": d.dataset,
                        "columns": sorted(s.group_by or s.columns),
                        "purpose": s.purpose,
                        "share_type": s.share_type,
                        "mode": d.mode,
                        "rows": d.rows,
                        "file": f"{dep.id}/{run_id}/{d.file}",
                        "sha256": d.sha256,
                        "run_id": run_id,
                        "warehouse_version": result.warehouse_version,
                    }
                )
            result.exports.append(DepartmentExport(dep.id, final, done))
        if fixlists and department is None and datasets is None:
            result.fixlists = {p: str(f) for p, f in write_fixlists(con, run_id).items()}
    finally:
        con.close()
    return result
