"""A run's manifest: the landed batch's counts, window, cursor, files, quarantine and drift."""

from __future__ import annotations

import os
from typing import Any

import pyarrow.parquet as pq

from connectors.cursor import cursor_from_state, cursor_to_state
from connectors.landing import MANIFEST_VERSION, batch_dir, quarantine_dir, sha256_file
from connectors.staging import HeldBatch, TableRun

RECONCILIATION_RULE = "source = landed + quarantined + unchanged + duplicates"


def build_manifest(run: TableRun, description: str, since: Any, full: bool) -> dict[str, Any]:
    """The manifest of a staged run; its data files' checksums are taken here, last."""
    cfg = run.cfg
    data = run.staging / "data"
    for f in run.files:
        f["sha256"] = sha256_file(data / f["path"])
        f["bytes"] = (data / f["path"]).stat().st_size
    schema = pq.read_schema(data / run.files[0]["path"]) if run.files else None
    before = run.state.cursor
    after = cursor_to_state(run.cursor_max) if run.cursor_max is not None else before
    if before and after and cursor_from_state(after) < cursor_from_state(before):
        after = before  # the watermark never goes back
    counts = dict(run.counts)
    return {
        "manifest_version": MANIFEST_VERSION,
        "platform": cfg.platform,
        "table": cfg.table,
        "run_id": run.run_id,
        "kind": cfg.kind,
        "mode": cfg.mode,
        "full": full,
        "source": description,
        "extracted_at": run.extracted_at.isoformat(),
        "window": {
            "cursor_column": run.contract.cursor,
            "since": cursor_to_state(since),
            "lookback": str(cfg.lookback) if cfg.lookback is not None else None,
            "cursor_min": cursor_to_state(run.cursor_min),
            "cursor_max": cursor_to_state(run.cursor_max),
        },
        "cursor": {"before": before, "after": after},
        "counts": counts | {"source_window": run.source_window},
        "reconciliation": {
            "rule": RECONCILIATION_RULE,
            "ok": counts["source"]
            == counts["landed"] + counts["quarantined"] + counts["unchanged"] + counts["duplicates"],
        },
        "files": run.files,
        "quarantine": {"files": _quarantine_files(run), "reasons": run.reasons, "key_status": run.key_status},
        "deletes": {
            "detected": counts["detected_deletes"],
            "withheld": counts["deletes_withheld"],
            "withheld_because": "; ".join(run.withheld) or None,
        },
        "schema": [{"name": f.name, "type": str(f.type)} for f in schema] if schema else None,
        "drift": run.drift.as_dict() if run.drift else {"policy": cfg.drift, "added": [], "missing": []},
        "units": run.units,
    }


def _quarantine_files(run: TableRun) -> list[dict[str, Any]]:
    """The run's quarantine parts, as paths relative to the batch folder they are committed beside."""
    staged = run.staging / "quarantine"
    if not any(staged.glob("*.parquet")):
        return []
    cfg = run.cfg
    rel = os.path.relpath(
        quarantine_dir(cfg.platform, cfg.table, run.run_id), batch_dir(cfg.platform, cfg.table, run.run_id)
    )
    return [
        {"path": f"{rel}/{q['path']}", "rows": q["rows"], "sha256": sha256_file(staged / q["path"])}
        for q in run.quarantine_files
    ]


def held_manifest(run: TableRun, held: HeldBatch, description: str, since: Any, full: bool) -> dict[str, Any]:
    """The manifest of a held run: nothing taken, the cursor kept, and why."""
    run.files = []  # what earlier units staged is discarded with them
    manifest = build_manifest(run, description, since, full)
    units = [u | {"taken": False} for u in run.units] + [held.unit | {"taken": False, "held": True}]
    return manifest | {
        "status": "held",
        "reason": str(held),
        "counts": dict.fromkeys(run.counts, 0) | {"source_window": None},
        "reconciliation": dict(manifest["reconciliation"], ok=True),
        "cursor": {"before": run.state.cursor, "after": run.state.cursor},
        "files": [],
        "quarantine": {"files": [], "reasons": {}, "key_status": {}},
        "deletes": {"detected": 0, "withheld": 0, "withheld_because": None},
        "schema": None,
        "units": units,
    }
