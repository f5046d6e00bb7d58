"""OpenLineage: dbt's artifacts become run events over HTTP or in the events file, and the
Airflow provider's listener writes task events under dag.test() with `yiwang run`'s settings."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from warehouse_city import built_city

from yiwang import lineage
from yiwang.orchestrate.config import DAGS_DIR
from yiwang.warehouse.build import project_dir

__all__ = ["built_city"]
pytestmark = [pytest.mark.slow]


@contextmanager
def lineage_server():
    """A real HTTP endpoint that keeps what is posted to it (what Marquez would receive)."""
    received: list[tuple[str, dict, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def _dbt_target(home: Path) -> Path:
    return home / "warehouse" / "dbt" / "duckdb" / "target"


def _marts_parents(target: Path) -> dict[str, set[str]]:
    """marts model name → the relation names (schema.table) of the models and sources it reads
    (the dbt artifact processor leaves seeds out of a model's inputs)."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"] | manifest["sources"]
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1] == "marts":
            parents = [nodes[p] for p in node["depends_on"]["nodes"] if p.startswith(("model.", "source."))]
            out[node["name"]] = {f"{p['schema']}.{p.get('alias') or p['name']}" for p in parents}
    return out


@pytest.fixture
def lineage_env(monkeypatch, tmp_path):
    for name in (lineage.SWITCH_ENV, lineage.URL_ENV, lineage.API_KEY_ENV, lineage.NAMESPACE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AIRFLOW__OPENLINEAGE__TRANSPORT", raising=False)
    monkeypatch.setenv("YIWANG_AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv(lineage.SWITCH_ENV, "on")
    return tmp_path / "airflow"


def test_dbt_run_events_reach_an_http_endpoint_with_the_models_parents(built_city, lineage_env, monkeypatch):
    target = _dbt_target(built_city)
    monkeypatch.setenv(lineage.NAMESPACE_ENV, "city-test")
    monkeypatch.setenv(lineage.API_KEY_ENV, "test-key")
    with lineage_server() as (url, received):
        monkeypatch.setenv(lineage.URL_ENV, url)
        env = {"YIWANG_WAREHOUSE_PATH": str(built_city / "warehouse" / "yiwang.duckdb")}
        sent = lineage.emit_dbt_run(target, project_dir(), "duckdb", env)
    assert sent == len(received) > 0
    assert {path for path, _, _ in received} == {"/api/v1/lineage"}
    assert {headers.get("Authorization") for _, headers, _ in received} == {"Bearer test-key"}
    events = [event for _, _, event in received]
    by_job: dict[str, dict[str, dict]] = {}
    for event in events:
        by_job.setdefault(event["job"]["name"], {})[event["eventType"]] = event
    parents = _marts_parents(target)
    checked = 0
    for name, expected in parents.items():
        job = next((j for j in by_job if j.endswith(f".yiwang.{name}.build.run")), None)  # `dbt build`'s job
        if job is None:  # not run by this invocation (the build's last one runs the marts)
            continue
        assert set(by_job[job]) >= {"START", "COMPLETE"}, (job, set(by_job[job]))
        complete = by_job[job]["COMPLETE"]
        assert complete["job"]["namespace"] == "city-test"
        inputs = {i["name"].split(".", 1)[1] for i in complete["inputs"]}  # database.schema.table
        assert inputs == expected, (name, inputs, expected)
        [output] = complete["outputs"]
        assert output["name"].endswith(f".{name}")
        assert output["namespace"].startswith("duckdb://") and output["namespace"].endswith("yiwang.duckdb")
        checked += 1
    assert checked >= 10, sorted(by_job)


def test_the_file_transport_writes_one_parseable_event_per_line(built_city, lineage_env):
    sent = lineage.emit_dbt_run(_dbt_target(built_city), project_dir(), "duckdb")
    path = lineage_env / "openlineage" / "events.jsonl"
    assert path == lineage.events_file()
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(events) == sent > 0
    assert {e["eventType"] for e in events} >= {"START", "COMPLETE"}
    assert all(e["run"]["runId"] and e["job"]["namespace"] == "yiwang" for e in events)


def test_lineage_off_sends_nothing_and_a_broken_run_is_one_warning(built_city, lineage_env, monkeypatch, caplog):
    monkeypatch.setenv(lineage.SWITCH_ENV, "off")
    assert lineage.emit_dbt_run(_dbt_target(built_city), project_dir(), "duckdb") == 0
    assert lineage.airflow_env() == {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    assert not (lineage_env / "openlineage").exists()
    monkeypatch.setenv(lineage.SWITCH_ENV, "on")
    with caplog.at_level(logging.WARNING, logger="yiwang.lineage"):
        assert lineage.emit_dbt_run(lineage_env / "no-such-target", project_dir(), "duckdb") == 0
    [record] = [r for r in caplog.records if r.name == "yiwang.lineage"]
    assert "not sent" in record.getMessage()


STAGES = """
def adapter(stage_fn, **options):
    return stage_fn()

def landed():
    return {"rows": 3}

def broken():
    raise ValueError("contract violated")
"""

RUN_DAG = r"""
import json
from yiwang.orchestrate import local_run as run
run.configure()
from yiwang.orchestrate.config import load_config
from yiwang.orchestrate.factory import build_dag
config = load_config()
run.prepare_airflow(config)
dagrun = build_dag(config, config.dag("yiwang_extract_party_building"), "extract").test()
print("@@" + json.dumps(str(dagrun.state)))
"""


def test_airflow_task_events_land_in_the_file_under_dag_test(tmp_path):
    """The provider's listener fires under dag.test(): START/COMPLETE and START/FAIL per task."""
    (tmp_path / "yw_lineage_stages.py").write_text(STAGES)
    raw = yaml.safe_load((DAGS_DIR / "pipelines.yml").read_text(encoding="utf-8"))
    extract, gate = raw["dags"]["extract"]["tasks"][:2]
    raw["dags"]["extract"]["tasks"] = [
        extract | {"call": "yw_lineage_stages.adapter", "stage": "yw_lineage_stages.landed"},
        gate | {"call": "yw_lineage_stages.adapter", "stage": "yw_lineage_stages.broken"},
    ]
    raw["defaults"] |= {"retries": 0}
    pipelines = tmp_path / "pipelines.yml"
    pipelines.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_", "OPENLINEAGE"))}
    env |= {
        "YIWANG_HOME": str(tmp_path / "home"),
        "YIWANG_PIPELINES_FILE": str(pipelines),
        "YIWANG_OPENLINEAGE_NAMESPACE": "dag-test",
        "PYTHONPATH": str(tmp_path),
    }
    done = subprocess.run([sys.executable, "-c", RUN_DAG], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '@@"failed"' in done.stdout, done.stdout[-3000:]
    path = tmp_path / "home" / "airflow" / "openlineage" / "events.jsonl"
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    seen = {(e["job"]["name"], e["eventType"]) for e in events if e["job"]["namespace"] == "dag-test"}
    dag_id = "yiwang_extract_party_building"
    assert {(f"{dag_id}.{extract['id']}", "START"), (f"{dag_id}.{extract['id']}", "COMPLETE")} <= seen, seen
    assert {(f"{dag_id}.{gate['id']}", "START"), (f"{dag_id}.{gate['id']}", "FAIL")} <= seen, seen
