"""`yiwang runs`: the history read back from the records the tasks write (runtime._record)."""

from __future__ import annotations

import os

from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.orchestrate.history import dag_runs, find
from yiwang.orchestrate.runtime import _record


def test_runs_are_listed_in_order_with_what_each_task_did(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    monkeypatch.delenv("YIWANG_REPORTS_DIR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich's width: one line per row
    _record(
        "yiwang_extract_hotline",
        "manual__2026-12-01T01",
        "extract",
        {"status": "ok", "rows": 1234, "quarantined": 5},
        3.0,
    )
    _record("yiwang_extract_hotline", "manual__2026-12-01T01", "landing_gate", {"status": "ok", "ok": True}, 1.0)
    _record("yiwang_warehouse", "manual__2026-12-01T02", "build", {"status": "ok"}, 40.0)
    _record("yiwang_warehouse", "manual__2026-12-01T02", "warehouse_gate", {"status": "failed", "error": "drift"}, 5.0)
    runs = dag_runs()
    assert [r.dag_id for r in runs] == ["yiwang_extract_hotline", "yiwang_warehouse"]
    extract, warehouse = runs
    assert extract.status == "success" and [t.task_id for t in extract.tasks] == ["extract", "landing_gate"]
    assert extract.tasks[0].outcome == "1,234 rows landed, 5 quarantined by the connector"
    assert warehouse.status == "failed" and warehouse.seconds == 45.0
    assert [r.dag_id for r in dag_runs("warehouse")] == ["yiwang_warehouse"]
    assert [r.run_id for r in find("manual__2026-12-01T0")] == ["manual__2026-12-01T01", "manual__2026-12-01T02"]

    shown = CliRunner().invoke(app, ["runs", "manual__2026-12-01T02"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.index("build") < shown.output.index("warehouse_gate") and "failed: drift" in shown.output
    listed = CliRunner().invoke(app, ["runs", "--dag", "hotline"])
    assert "yiwang_extract_hotline" in listed.output and "yiwang_warehouse" not in listed.output
    missing = CliRunner().invoke(app, ["runs", "nope"])
    assert missing.exit_code == 1 and "yiwang runs" in missing.output


def test_a_damaged_record_is_passed_over(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    monkeypatch.delenv("YIWANG_REPORTS_DIR", raising=False)
    _record("yiwang_sharing", "r1", "share", {"status": "ok"}, 2.0)
    damaged = tmp_path / "reports" / "tasks" / "yiwang_sharing" / "r1" / "report.json"
    damaged.write_text("{not json", encoding="utf-8")
    os.utime(damaged)
    [only] = dag_runs()
    assert [t.task_id for t in only.tasks] == ["share"]
    empty = CliRunner().invoke(app, ["runs", "--dag", "nothing"])
    assert empty.exit_code == 0 and "no runs recorded" in empty.output
