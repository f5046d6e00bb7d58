"""`yiwang run` runs the real DAGs with dag.test() on the tiny city, end to end, and sums up."""

from __future__ import annotations

import json
import os
import sys

import pytest
from waiting import run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("warehouse_city")]


def test_yiwang_run_end_to_end(fresh_city):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env |= {"YIWANG_HOME": str(fresh_city), "COLUMNS": "200"}
    done = run([sys.executable, "-m", "yiwang.cli", "run"], 600, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    airflow_home = fresh_city / "airflow"
    assert (airflow_home / "airflow.db").exists()  # SQLite metadata in the workspace
    summary = json.loads((airflow_home / "last_run.json").read_text())
    assert set(summary["platforms"]) == {"urban_management", "hotline", "grid_platform", "party_building"}
    assert all(p["state"] == "success" for p in summary["platforms"].values())
    assert summary["dags"]["yiwang_warehouse"] == "success"
    assert all(p["rows"] > 0 for p in summary["platforms"].values())
    assert set(summary["gates"]) >= {f"landing_gate {p}" for p in summary["platforms"]} | {"warehouse_gate"}
    if summary["gates"]["warehouse_gate"] == "passed":  # QUALITY's gate and publish are installed
        assert summary["published"].startswith("20")
        assert (fresh_city / "warehouse" / "versions" / f"{summary['published']}.duckdb").exists()
        assert summary["dags"]["yiwang_sharing"] == "success"
    resolved = summary["resolved"]
    assert resolved["people"] > 1000 and resolved["houses"] > 100 and resolved["events"] > 100
    assert resolved["companies"] > 10
    # the summary is printed
    for text in ("rows per platform", "resolved", "published version", "report"):
        assert text in done.stdout
    # XCom records hold counts and paths only: no ID numbers or phone numbers
    records = list((fresh_city / "reports" / "tasks").glob("*/*/*.json"))
    assert len(records) >= 9
    import re

    for record in records:
        text = record.read_text()
        assert not re.search(r"\b\d{17}[\dXx]\b", text), record
        assert not re.search(r"\b1[3-9]\d{9}\b", text), record
        assert "token" not in text.lower() or "***" in text


def test_a_source_down_is_retried_then_alerted_and_the_others_still_load(fresh_city, tmp_path):
    """Hotline's store is gone: its extract task retries (transient) and fails with an alert; the
    other platforms land, their assets trigger the warehouse, and `yiwang run` exits 1."""
    import yaml

    from yiwang.orchestrate.config import DAGS_DIR

    raw = yaml.safe_load((DAGS_DIR / "pipelines.yml").read_text(encoding="utf-8"))
    raw["defaults"] |= {"retries": 1, "retry_delay_seconds": 1, "max_retry_delay_seconds": 2}
    config = tmp_path / "pipelines.yml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (fresh_city / "sources" / "hotline_12345.sqlite").unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env |= {"YIWANG_HOME": str(fresh_city), "YIWANG_PIPELINES_FILE": str(config), "COLUMNS": "200"}
    done = run([sys.executable, "-m", "yiwang.cli", "run"], 600, env=env)
    assert done.returncode == 1, done.stdout[-4000:] + done.stderr[-4000:]
    summary = json.loads((fresh_city / "airflow" / "last_run.json").read_text())
    assert summary["dags"]["yiwang_extract_hotline"] == "failed"
    assert summary["dags"]["yiwang_extract_grid_platform"] == "success"
    # the other platforms' assets trigger the warehouse; without one platform at all the gate
    # fails it (freshness of every source), closed: nothing is published, no sharing run
    assert summary["dags"]["yiwang_warehouse"] in ("success", "failed")
    if summary["dags"]["yiwang_warehouse"] == "failed":
        assert summary["gates"]["warehouse_gate"].startswith("failed: warehouse gate failed")
        assert not (fresh_city / "warehouse" / "yiwang.duckdb").exists()
        assert "yiwang_sharing" not in summary["dags"]
    alerts = [json.loads(line) for line in (fresh_city / "reports" / "alerts.jsonl").read_text().splitlines()]
    hotline = [a for a in alerts if a["dag_id"] == "yiwang_extract_hotline" and a["task_id"] == "extract"]
    assert [a["kind"] for a in hotline] == ["retry", "failed"], alerts
    assert hotline[-1]["error_type"] == "TransientError"
    assert "hotline" in hotline[-1]["error"]
