"""`yiwang run` runs the real DAGs with dag.test() on the tiny city, end to end, and sums up."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("warehouse_city")]


def test_yiwang_run_end_to_end(city_workspace):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env |= {"YIWANG_HOME": str(city_workspace), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "run"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    airflow_home = city_workspace / "airflow"
    assert (airflow_home / "airflow.db").exists()  # SQLite metadata in the workspace
    summary = json.loads((airflow_home / "last_run.json").read_text())
    assert set(summary["platforms"]) == {"urban_management", "hotline", "grid_platform", "party_building"}
    assert all(p["state"] == "success" for p in summary["platforms"].values())
    assert summary["dags"]["yiwang_warehouse"] == "success"
    resolved = summary["resolved"]
    assert resolved["people"] > 1000 and resolved["houses"] > 100 and resolved["events"] > 100
    assert resolved["companies"] > 10
    # the summary is printed
    for text in ("rows per platform", "resolved", "published version", "report"):
        assert text in done.stdout
    # XCom records hold counts and paths only: no ID numbers or phone numbers
    records = list((city_workspace / "reports" / "tasks").glob("*/*/*.json"))
    assert len(records) >= 9
    import re

    for record in records:
        text = record.read_text()
        assert not re.search(r"\b\d{17}[\dXx]\b", text), record
        assert not re.search(r"\b1[3-9]\d{9}\b", text), record
        assert "token" not in text.lower() or "***" in text
