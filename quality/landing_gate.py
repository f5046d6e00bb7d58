"""Landing gate (入仓前检查) per committed source batch, before the raw load.

Failing rows become quarantine rows (rejected or flagged by the config's `actions`); a batch is
blocked on a structural failure, too many rejected rows, a row-count drop or a gate error. Its
decision is a file the raw loader reads:
workspace_dir("quality")/landing/<platform>/<table>/<run_id>.json (+ .parquet quarantine rows).
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.landing import Batch, committed_batches, held_batches, landing_root
from quality.config import load_config
from quality.gate import Check, GateResult, mask, new_run_id, run_dir
from quality.gx_run import GxSession
from quality.quarantine import QUARANTINE_COLUMNS
from quality.suites import ENCODING_COLUMN, format_column, format_kind, landing_suite_name
from yiwang.contracts import SourceTable, source_tables
from yiwang.normalize import parse_credit_codes, parse_id_numbers, parse_phones
from yiwang.settings import workspace_dir

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN1 = re.compile(r"[\u00c0-\u00ff]")


def decisions_dir(platform: str, table: str) -> Path:
    return workspace_dir("quality") / "landing" / platform / table


def decision(platform: str, table: str, run_id: str) -> dict | None:
    path = decisions_dir(platform, table) / f"{run_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def rejected_keys_file(platform: str, table: str, run_id: str) -> Path | None:
    """The batch's quarantine rows (parquet) when the gate rejected any; the loader leaves those keys out."""
    doc = decision(platform, table, run_id)
    if not doc or not doc.get("rejected_rows"):
        return None
    return decisions_dir(platform, table) / f"{run_id}.parquet"


def is_mojibake(value: Any) -> bool:
    """Text that was decoded with the wrong charset (乱码): replacement characters, 锟斤拷, UTF-8
    read as Latin-1 (Ã¥…) or UTF-8 read as GBK (娴欐睙…)."""
    if not isinstance(value, str) or not value:
        return False
    if "\ufffd" in value or "锟斤拷" in value:
        return True
    if _LATIN1.search(value):
        for charset in ("latin-1", "cp1252"):
            try:
                return bool(_CJK.search(value.encode(charset).decode("utf-8")))
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return False
    if len(value) >= 3 and _CJK.search(value):
        try:
            fixed = value.encode("gbk").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return False
        return fixed != value and bool(_CJK.search(fixed))
    return False


def _format_reasons(kind: str, values: pd.Series) -> pd.Series:
    parser = {"id_number": parse_id_numbers, "credit_code": parse_credit_codes, "phone": parse_phones}[kind]
    text = values.astype("string")
    present = text.notna() & (text.str.strip() != "")
    parsed = parser(text.where(present, None).tolist()).to_pandas()
    reason = parsed["reason"] if "reason" in parsed else parsed.get("kind")
    invalid = ~parsed["is_valid"].astype(bool).to_numpy()
    out = pd.Series([None] * len(values), index=values.index, dtype="object")
    mask_ = present.to_numpy() & invalid
    labels = reason.fillna("invalid").astype(str).to_numpy()
    out[mask_] = [f"{kind}:{r}" for r in labels[mask_]]
    return out


def batch_frame(contract: SourceTable, batch: Batch) -> pd.DataFrame:
    """The batch's rows with the helper columns the landing suite expects."""
    parts = [pd.read_parquet(batch.path / f["path"]) for f in batch.manifest["files"]]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if "_yw_op" in frame:  # a delete carries only its key: there are no values to check
        frame = frame[frame["_yw_op"] != "delete"].reset_index(drop=True)
    for c in contract.columns:
        kind = format_kind(c)
        if kind and c.name in frame:
            frame[format_column(c.name)] = _format_reasons(kind, frame[c.name])
    text_columns = [c.name for c in contract.columns if c.type == "string" and c.name in frame]
    encoding = pd.Series([None] * len(frame), index=frame.index, dtype="object")
    for name in text_columns:
        bad = frame[name].map(is_mojibake).astype(bool) & encoding.isna()
        encoding[bad] = name
    frame[ENCODING_COLUMN] = encoding
    return frame


FULL_MODES = ("snapshot", "file_drop")


def _source_rows(batch: Batch) -> int | None:
    """Rows the source held when the batch was taken: snapshots and file drops read the whole
    table (their batches land only changed rows, so the manifest's count is what compares)."""
    if batch.manifest.get("mode") not in FULL_MODES and not batch.manifest.get("full"):
        return None
    source = (batch.manifest.get("counts") or {}).get("source")
    return None if source is None else int(source)


def _previous_full(batches: list[Batch], index: int) -> Batch | None:
    for earlier in reversed(batches[:index]):
        if _source_rows(earlier) is not None:
            return earlier
    return None


def _rows(batch: Batch) -> int:
    return sum(int(f["rows"]) for f in batch.manifest["files"])


def _check_batch(
    session: GxSession, contract: SourceTable, batch: Batch, previous: Batch | None, config: dict
) -> tuple[dict, pd.DataFrame]:
    actions = config["actions"]
    (key,) = contract.primary_key[:1] or ("_yw_row_hash",)
    frame = batch_frame(contract, batch)
    extra = []
    drop = None
    now, before = _source_rows(batch), _source_rows(previous) if previous is not None else None
    if now is not None and before:
        floor = math.ceil(before * (1 - float(config["max_row_drop"])))
        if now < floor and not batch.manifest.get("accepted_short"):  # the operator confirmed the drop
            drop = f"row_count_drop: the source held {now} rows, {before} at {previous.run_id} (floor {floor})"
    asset = f"{contract.platform}.{contract.table}.{batch.run_id}"
    # an incremental batch with no changes holds no rows: nothing to validate row by row (a
    # snapshot's row-count drop is still checked above)
    outcomes = (
        session.validate(
            landing_suite_name(contract.platform, contract.table),
            frame,
            asset=asset,
            index_columns=[key],
            extra=extra,
            complete=True,
        )
        if len(frame)
        else []
    )
    pii = {c.name: c.pii for c in contract.columns}
    rows: list[dict] = []
    problems: list[str] = [drop] if drop else []
    for o in outcomes:
        if o.success:
            continue
        reason = o.meta.get("reason", "domain")
        column = o.meta.get("column")
        if o.error or reason in ("structure", "row_count_drop") or not o.unexpected_rows:
            problems.append(f"{reason} {column or ''} {o.error or o.observed_value or ''}".strip())
            continue
        action = actions.get(reason, "reject")
        helper = o.kwargs.get("column")
        for row in o.unexpected_rows:
            source_key = row.get(key)
            if reason == "encoding":
                column = row.get(helper)
            value_column = column if column in frame else helper
            value = row.get(value_column)
            if value_column != helper and helper in row and helper != column:
                value = None
            if value is None and column in frame and source_key is not None:
                hit = frame.loc[frame[key] == source_key, column]
                value = hit.iloc[0] if len(hit) else None
            code = row.get(helper) if helper and helper.startswith("_yw_format__") else reason
            rows.append(
                {
                    "platform": contract.platform,
                    "table_name": contract.table,
                    "source_key": None if source_key is None else str(source_key),
                    "run_id": batch.run_id,
                    "reason_code": f"{code}:{column}" if reason in ("required", "code", "encoding") else str(code),
                    "action": action,
                    "column_name": column,
                    "offending_value": mask(value, pii.get(column or "", "none")),
                }
            )
    quarantine = pd.DataFrame(rows, columns=QUARANTINE_COLUMNS).drop_duplicates()
    total = len(frame)
    rejected = quarantine.loc[quarantine["action"] == "reject", "source_key"].nunique()
    share = rejected / total if total else 0.0
    # a batch is blocked when the rejected share is high AND more than a handful of rows: a day's
    # delta of four rows with one typo is a quarantine row, not a blocked source
    if share > float(config["max_reject_share"]) and rejected > int(config.get("min_rejected_rows_to_block", 0)):
        problems.append(f"rejected {rejected} of {total} rows ({share:.1%}) > {config['max_reject_share']:.0%}")
    counts = batch.manifest.get("counts") or {}
    doc = {
        "platform": contract.platform,
        "table": contract.table,
        "run_id": batch.run_id,
        "status": "blocked" if problems else "passed",
        "problems": problems,
        "rows": total,
        # the connector's own quarantine: keys kept at their last good version, deletes not inferred
        "held_keys": int(counts.get("held_keys") or 0),
        "deletes_withheld": int(counts.get("deletes_withheld") or 0),
        "rejected_rows": int(rejected),
        "flagged_rows": int(quarantine.loc[quarantine["action"] == "flag", "source_key"].nunique()),
        "reasons": quarantine.groupby("reason_code").size().astype(int).to_dict() if len(quarantine) else {},
    }
    return doc, quarantine


def _held_now(contract: SourceTable, batches: list[Batch], root: Path) -> Batch | None:
    """The table's latest held run when no batch landed after it: the table is held (schema
    drift) and keeps its previous data until the contract or the source changes."""
    held = held_batches(contract.platform, contract.table, root)
    if not held or (batches and batches[-1].run_id > held[-1].run_id):
        return None
    return held[-1]


def check_landing(
    tables: list[SourceTable] | None = None,
    *,
    landing: Path | None = None,
    recheck: bool = False,
    run_id: str | None = None,
) -> GateResult:
    """Check every committed batch without a decision (all with `recheck`); GateResult.ok is false
    when any batch is blocked. Never raises for bad data or a failing check."""
    started = time.monotonic()
    run_id = run_id or new_run_id()
    result = GateResult("landing", run_id)
    config = load_config()["landing"]
    folder = run_dir("landing", run_id)
    try:
        session = GxSession(folder / "data_docs", "landing")
        for contract in tables if tables is not None else source_tables():
            batches = committed_batches(contract.platform, contract.table, landing or landing_root())
            out = decisions_dir(contract.platform, contract.table)
            for index, batch in enumerate(batches):
                name = f"{contract.platform}.{contract.table}/{batch.run_id}"
                if not recheck and (out / f"{batch.run_id}.json").is_file():
                    continue
                try:
                    doc, quarantine = _check_batch(session, contract, batch, _previous_full(batches, index), config)
                except Exception as error:  # fail closed: a check that cannot run blocks the batch
                    doc = {
                        "platform": contract.platform,
                        "table": contract.table,
                        "run_id": batch.run_id,
                        "status": "blocked",
                        "problems": [f"gate error: {type(error).__name__}: {error}"],
                    }
                    quarantine = pd.DataFrame(columns=QUARANTINE_COLUMNS)
                doc["gate_run_id"] = run_id
                earlier = decision(contract.platform, contract.table, batch.run_id)
                if earlier and earlier.get("released") and doc["status"] != "passed":
                    doc |= {"status": "passed", "released": earlier["released"]}  # a recheck keeps a release
                out.mkdir(parents=True, exist_ok=True)
                quarantine.to_parquet(out / f"{batch.run_id}.parquet", index=False)
                (out / f"{batch.run_id}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
                ok = doc["status"] == "passed"
                if not ok:
                    result.blocked.append(name)
                detail = "; ".join(doc["problems"]) or (
                    f"{doc.get('rows', 0)} rows, {doc.get('rejected_rows', 0)} rejected, {doc.get('flagged_rows', 0)} flagged"  # noqa: E501
                )
                kept = [
                    f"{doc[k]} {what}"
                    for k, what in (
                        ("held_keys", "key(s) kept at their last good version"),
                        ("deletes_withheld", "delete(s) withheld"),
                    )
                    if doc.get(k)
                ]
                detail = "; ".join([detail, *kept])
                result.checks.append(Check(name, ok, detail, doc.get("reasons")))
            held = _held_now(contract, batches, landing or landing_root())
            if held is not None:
                name = f"{contract.platform}.{contract.table}/{held.run_id}"
                result.blocked.append(name)
                reason = str(held.manifest.get("reason")).removeprefix(f"{contract.qualified_name}: ")
                result.checks.append(Check(name, False, f"held: {reason}", {"held": 1}))
        result.docs = session.build_docs()
    except Exception as error:  # fail closed
        result.error = f"{type(error).__name__}: {error}"
    result.seconds = time.monotonic() - started
    result.archive()
    return result


def blocked_from(platform: str, table: str, run_ids: list[str]) -> str | None:
    """The first of a table's batches (in load order) whose gate decision is not `passed`; it and
    every later batch of the table stay out of the load (a later increment cannot overtake it).
    Batches without a decision load (the gate is optional for `yiwang build`)."""
    for run_id in run_ids:
        doc = decision(platform, table, run_id)
        if doc is not None and doc.get("status") != "passed":
            return run_id
    return None


def release(platform: str, table: str, run_id: str | None = None, *, reason: str) -> list[dict]:
    """Let a table's blocked batches load (all of them, or the one `run_id`): the operator's decision.

    The decision file keeps the gate's problems with the release (`released`: when, reason,
    problems) and its status becomes `passed`, so `blocked_from` no longer holds the table out;
    rows the gate rejected still stay out of the load. Returns the released decisions.
    """
    if not reason or not reason.strip():
        raise ValueError("a release needs a reason (what was checked, by whom)")
    released = []
    for path in sorted(decisions_dir(platform, table).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("status") == "passed" or (run_id is not None and doc.get("run_id") != run_id):
            continue
        doc["released"] = {
            "at": datetime.now(UTC).isoformat(),
            "reason": reason.strip(),
            "problems": doc.get("problems", []),
        }
        doc["status"] = "passed"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        tmp.replace(path)
        released.append(doc)
    return released
