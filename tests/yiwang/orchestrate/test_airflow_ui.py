"""`yiwang airflow` (`make airflow`) starts the real api-server, scheduler and dag-processor on
the workspace `yiwang run` used, and the UI's REST API serves the task logs of that run."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil
import pytest
from waiting import file_size, run, wait_exit, wait_for

pytestmark = [pytest.mark.slow]
DAG_ID = "yiwang_extract_hotline"  # the smallest DAG: extract and landing_gate of one platform


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_ui_serves_the_task_logs_of_yiwang_run_and_stops_on_ctrl_c(fresh_city: Path, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))}
    env |= {"YIWANG_HOME": str(fresh_city), "COLUMNS": "200"}
    done = run([sys.executable, "-m", "yiwang.cli", "run", "hotline"], 600, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    logs = fresh_city / "airflow" / "logs" / f"dag_id={DAG_ID}"
    files = sorted(logs.glob("run_id=*/task_id=*/attempt=*.log"))
    assert {f.parent.name for f in files} == {"task_id=extract", "task_id=landing_gate"}, files
    for f in files:  # Airflow's JSON lines, on the city's clock, nothing personal
        lines = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
        assert lines and all({"timestamp", "event", "level", "logger"} <= set(line) for line in lines)
        assert all(datetime.fromisoformat(line["timestamp"]).utcoffset().total_seconds() == 8 * 3600 for line in lines)
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"\b\d{17}[\dXx]\b", text) and not re.search(r"\b1[3-9]\d{9}\b", text), f

    port = free_port()
    out = tmp_path / "airflow-ui.log"
    with out.open("w") as sink:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "yiwang.cli", "airflow", "--home", str(fresh_city), "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        printed = wait_for(
            "the launcher to print the URL",
            lambda: "Airflow UI:" in out.read_text() and out.read_text(),
            300,
            progress=lambda: (file_size(out), launcher.poll()),
        )
        assert f"{base}/" in printed and "admin" in printed, printed
        # the three services are the launcher's children (a service may retitle itself: "airflow api-server")
        titles = [" ".join(p.cmdline()) for p in psutil.Process(launcher.pid).children()]
        assert len(titles) == 3, titles
        for service in ("api-server", "scheduler", "dag-processor"):
            assert sum(service in t or service.replace("-", "_") in t for t in titles) == 1, titles
        health = httpx.get(f"{base}/api/v2/monitor/health", timeout=10).json()
        assert health["scheduler"]["status"] == "healthy" and health["dag_processor"]["status"] == "healthy", health
        # the login the launcher pointed at: the simple auth manager's generated password file
        passwords = fresh_city / "airflow" / "simple_auth_manager_passwords.json.generated"
        assert str(passwords) in printed.replace("\n", "")
        password = json.loads(passwords.read_text())["admin"]
        token = httpx.post(f"{base}/auth/token", json={"username": "admin", "password": password}, timeout=30)
        assert token.status_code in (200, 201), token.text
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=60
        )
        runs = client.get(f"/api/v2/dags/{DAG_ID}/dagRuns").json()["dag_runs"]
        assert len(runs) == 1 and runs[0]["state"] == "success", runs
        run_id = quote(runs[0]["dag_run_id"], safe="")
        response = client.get(
            f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/extract/logs/1",
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        events = [e for e in response.json()["content"] if e.get("logger", "").startswith("yiwang")]
        tables = [e["event"] for e in events if e["event"].startswith("hotline.")]
        assert tables and all(": ok " in t for t in tables), events
        assert all(e["level"] == "info" for e in events if e["event"] in tables)
    finally:
        children = psutil.Process(launcher.pid).children(recursive=True) if launcher.poll() is None else []
        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        returncode = wait_exit(launcher, 120, progress=lambda: file_size(out))
    assert returncode == 0, out.read_text()[-3000:]
    assert "Airflow stopped" in out.read_text()
    time.sleep(1)
    assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/api/v2/monitor/health", timeout=5)
