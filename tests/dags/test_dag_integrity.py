"""Every DAG in dags/ imports quickly and cleanly, has no cycle, and carries owners, tags,
retries, docs, pools and assets as dags/pipelines.yml says."""

from __future__ import annotations

import ast
import itertools
import json
import os
import sys
import time
from pathlib import Path

import pytest
from waiting import run

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
PARSE_TIME_MODULES = ["config.py", "factory.py", "runtime.py", "callbacks.py", "errors.py"]
HEAVY = ("duckdb", "dbt", "pandas", "pyarrow", "connectors", "great_expectations", "splink", "polars")
PLATFORMS = sorted(p.parent.name for p in (ROOT / "connectors").glob("*/tables.yml"))


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow_home")
    return os.environ | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


PROBE = r"""
import json, sys, time
started = time.process_time()  # CPU seconds: what parsing costs, however busy the machine is
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
seconds = time.process_time() - started
out = {"seconds": seconds, "errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
def callbacks(value):
    return [f for f in (value if isinstance(value, list) else [value]) if f]
for dag_id, dag in bag.dags.items():
    dag.check_cycle() if hasattr(dag, "check_cycle") else None
    tasks = {}
    for t in dag.tasks:
        tasks[t.task_id] = {
            "owner": t.owner, "retries": t.retries, "backoff": t.retry_exponential_backoff,
            "max_retry_delay": t.max_retry_delay.total_seconds() if t.max_retry_delay else None,
            "policy": type(t.retry_policy).__name__ if t.retry_policy else None,
            "on_failure": [f.__module__ + "." + f.__name__ for f in callbacks(t.on_failure_callback)],
            "pool": t.pool, "outlets": [getattr(o, "uri", None) for o in t.outlets],
            "upstream": sorted(t.upstream_task_ids), "doc": bool(t.doc_md), "trigger_rule": str(t.trigger_rule),
        }
    schedule = str(dag.schedule)
    condition = getattr(dag.timetable, "asset_condition", None)
    def uris(c):
        return [u for o in c.objects for u in uris(o)] if hasattr(c, "objects") else [c.uri]
    assets = sorted(uris(condition)) if condition is not None else []
    out["dags"][dag_id] = {"tags": sorted(dag.tags), "doc": dag.doc_md, "max_active_runs": dag.max_active_runs,
                           "schedule": schedule, "assets": assets, "tasks": tasks, "fileloc": dag.fileloc,
                           "params": {k: [dag.params[k], dag.params.get_param(k).schema] for k in dag.params}}
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2].split(",")))
out["heavy"] = heavy
print("@@" + json.dumps(out, default=str))
"""


@pytest.fixture(scope="module")
def dagbag(airflow_env) -> dict:
    done = run([sys.executable, "-c", PROBE, str(DAGS), ",".join(HEAVY)], 180, env=airflow_env)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("@@"))
    return json.loads(line[2:])


def test_every_dag_imports_without_error_and_quickly(dagbag):
    assert dagbag["errors"] == {}
    assert dagbag["seconds"] < 30, f"DagBag took {dagbag['seconds']:.1f} s of CPU"
    expected = {f"yiwang_extract_{p}" for p in PLATFORMS} | {"yiwang_warehouse", "yiwang_sharing"}
    assert set(dagbag["dags"]) == expected


def test_parsing_imports_no_stage_and_no_heavy_library(dagbag):
    assert dagbag["heavy"] == [], f"imported while parsing DAG files: {dagbag['heavy']}"


def test_dag_modules_import_airflow_sdk_only():
    files = sorted(DAGS.glob("*.py")) + [ROOT / "yiwang" / "orchestrate" / f for f in PARSE_TIME_MODULES]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] == "airflow":
                    assert name == "airflow.sdk" or name.startswith("airflow.sdk."), f"{path.name}: {name}"


def test_owners_tags_retries_docs_and_no_cycles(dagbag):
    for dag_id, dag in dagbag["dags"].items():
        assert "yiwang" in dag["tags"] and len(dag["tags"]) >= 2, dag_id
        assert dag["doc"] and len(dag["doc"]) > 200, f"{dag_id}: the DAG file's docstring is its doc"
        for task_id, t in dag["tasks"].items():
            where = f"{dag_id}.{task_id}"
            assert t["owner"] and t["owner"] != "airflow", where
            assert isinstance(t["retries"], int), where
            assert t["policy"] == "ExceptionRetryPolicy", where
            assert t["backoff"] and t["backoff"] > 1 and t["max_retry_delay"], where
            assert "yiwang.orchestrate.callbacks.on_failure" in t["on_failure"], where
            assert t["doc"], where
        ids = list(dag["tasks"])
        assert len(ids) == len(set(ids))
        # a chain: each task after the first depends on the one before (no cycle, no orphan)
        assert sum(1 for t in dag["tasks"].values() if not t["upstream"]) == 1, dag_id


def test_gates_are_not_retried_but_extraction_is(dagbag):
    for platform in PLATFORMS:
        tasks = dagbag["dags"][f"yiwang_extract_{platform}"]["tasks"]
        assert tasks["extract"]["retries"] >= 2
        assert tasks["landing_gate"]["retries"] == 0
        assert tasks["landing_gate"]["outlets"] == [f"yiwang://landing/{platform}"]
    assert dagbag["dags"]["yiwang_warehouse"]["tasks"]["warehouse_gate"]["retries"] == 0


def test_extract_dags_take_the_confirmation_of_a_short_file_as_a_param(dagbag):
    for platform in PLATFORMS:
        default, schema = dagbag["dags"][f"yiwang_extract_{platform}"]["params"]["accept_short"]
        assert default == [] and schema["type"] == "array" and schema["items"] == {"type": "string"}
    assert set(dagbag["dags"]["yiwang_warehouse"]["params"]) == {"full_refresh"}


def test_warehouse_dag_is_incremental_unless_its_full_refresh_param_is_set(dagbag):
    default, schema = dagbag["dags"]["yiwang_warehouse"]["params"]["full_refresh"]
    assert default is False and schema["type"] == "boolean"


def test_warehouse_dag_single_writer_and_assets(dagbag):
    dag = dagbag["dags"]["yiwang_warehouse"]
    assert dag["max_active_runs"] == 1
    assert list(dag["tasks"]) == ["build", "resolve", "marts", "warehouse_gate", "publish"]
    # entity resolution is its own task between the two dbt stages: each task waits on the one before
    order = ["build", "resolve", "marts", "warehouse_gate", "publish"]
    for before, after in itertools.pairwise(order):
        assert dag["tasks"][after]["upstream"] == [before], after
    for task in dag["tasks"].values():
        assert task["pool"] == "yiwang_warehouse_writer"
    assert dag["tasks"]["publish"]["outlets"] == ["yiwang://warehouse/published"]
    assert all(not t["outlets"] for k, t in dag["tasks"].items() if k != "publish")
    assert sorted(dag["assets"]) == sorted(f"yiwang://landing/{p}" for p in PLATFORMS)
    sharing = dagbag["dags"]["yiwang_sharing"]
    assert sharing["assets"] == ["yiwang://warehouse/published"]
    assert sharing["tasks"]["report"]["upstream"] == ["share"]


def test_dag_files_are_thin():
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), path.name
        code = [n for n in tree.body if not isinstance(n, ast.Expr)]
        assert len(code) <= 3, f"{path.name}: a DAG file only calls the factory"


def test_parse_time_budget():
    started = time.process_time()  # CPU seconds, so a busy machine does not fail it
    from yiwang.orchestrate.config import load_config

    config = load_config()
    assert time.process_time() - started < 2
    assert config.platforms() == [p for p in config.platforms() if p in PLATFORMS]
    assert sorted(config.platforms()) == PLATFORMS
