"""`yiwang run` runs the real DAGs with dag.test() on the tiny city, end to end, and sums up."""

from __future__ import annotations

import json
import os
import re
import sys

import duckdb
import pytest
from waiting import run

pytestmark = [pytest.mark.slow]
SHARE_DEPARTMENTS = ("YUECHENG_CIVIL_AFFAIRS", "SHANGYU_ENFORCEMENT", "CITY_STATISTICS")


def test_yiwang_run_end_to_end(fresh_city, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env |= {"YIWANG_HOME": str(fresh_city), "COLUMNS": "200", "YIWANG_AUDIT_DIR": str(tmp_path / "audit")}
    # the departments' pseudonym keys, so the sharing DAG writes every export
    env |= {f"YIWANG_SHARE_KEY_{d}": f"run-test-{d.lower()}" for d in SHARE_DEPARTMENTS}
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
    # a normal run is quiet: no library's warning (Splink, Airflow's start-up notes) and
    # no dbt exposure reported as a warning for having nothing to run
    output = done.stdout + done.stderr
    noisy = [
        line
        for line in output.splitlines()
        if re.search(r"\[warning\s*\]|Warning:|WARNING", line)
        and not re.search(r"\[(yiwang|quality|connectors|dags)[.\]]", line)
    ]
    assert not noisy, noisy
    assert "NO-OP" not in output and "no-op" not in output
    # every task's OpenLineage events, in the default events file
    lineage = [json.loads(line) for line in (airflow_home / "openlineage" / "events.jsonl").read_text().splitlines()]
    finished = {e["job"]["name"] for e in lineage if e["eventType"] == "COMPLETE"}
    assert {"yiwang_warehouse.build", "yiwang_extract_hotline.extract"} <= finished, sorted(finished)
    # the exports as a table, absolute paths, the next commands complete
    assert "exports written" in done.stdout and "{'run_id'" not in done.stdout
    # (a long path folds inside its cell, the table's last column: read the cells without the ruling)
    cells = re.sub(r"[│\s]", "", done.stdout)
    assert str(fresh_city / "exports" / "shangyu_enforcement") in cells, done.stdout[-6000:]
    warehouse = summary["dags"]["yiwang_warehouse"]
    assert warehouse == "success"
    row = cells[cells.index("yiwang_warehousesuccess") :]  # the DAG table's row, its cell may wrap
    order = [row.index(f"{task}=success") for task in ("build", "resolve", "marts", "warehouse_gate", "publish")]
    assert order == sorted(order), row[:300]
    # one truth for every count: the run summary, `yiwang quarantine` and the report agree
    _quarantine_counts_agree(fresh_city, summary, env)
    # the run history shows every DAG run of this run, with the counts and the version
    history = run([sys.executable, "-m", "yiwang.cli", "runs"], 120, env=env)
    assert history.returncode == 0, history.stdout + history.stderr
    listed = re.sub(r"[│\s]", "", history.stdout)
    for dag_id in summary["dags"]:
        assert dag_id in listed
    assert "gatepassed" in listed and f"published{summary['published']}" in listed
    # XCom records hold counts and paths only: no ID numbers or phone numbers
    records = list((fresh_city / "reports" / "tasks").glob("*/*/*.json"))
    assert len(records) >= 9

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


def _quarantine_counts_agree(home, summary, env) -> None:
    """The run summary's quarantine per platform and stage equals `yiwang quarantine`'s table and
    the report's platform table, all read from the one published warehouse."""
    from quality.quarantine import by_platform, counts
    from yiwang.report.html import gather

    warehouse = home / "warehouse" / "yiwang.duckdb"
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as warehouse (read_only)")
    try:
        frame = counts(con, "warehouse")
        report = gather(con)
    finally:
        con.close()
    expected = by_platform(frame)
    assert frame["rows"].sum() > 0  # the tiny city's mess lands some rows in quarantine
    assert {p: r["quarantine"] for p, r in summary["platforms"].items() if p in expected} == expected
    assert summary["quarantine"] == expected
    from_report: dict[str, dict[str, int]] = {}
    for platform, _table, _rows, _batches, landing, in_warehouse in report["platforms"]:
        row = from_report.setdefault(platform, {"landing": 0, "warehouse": 0})
        row["landing"] += landing
        row["warehouse"] += in_warehouse
    assert {p: r for p, r in from_report.items() if sum(r.values())} == expected

    listed = run([sys.executable, "-m", "yiwang.cli", "quarantine"], 300, env=env)
    assert listed.returncode == 0, listed.stderr[-2000:]
    for stage in ("landing", "warehouse"):
        total = int(frame.loc[frame["stage"] == stage, "rows"].sum())
        assert f"{stage} {total:,}" in listed.stdout
    for reason in frame["reason_code"]:
        assert reason in listed.stdout
    # on a narrow terminal the reason codes wrap, never cut
    narrow = run([sys.executable, "-m", "yiwang.cli", "quarantine"], 300, env=env | {"COLUMNS": "70"})
    assert narrow.returncode == 0 and "…" not in narrow.stdout, narrow.stdout
