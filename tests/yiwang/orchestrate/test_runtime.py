"""The tasks' runtime: stages imported at run time, transient vs terminal errors, small XCom."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from airflow.sdk import RetryAction
from airflow.sdk.exceptions import AirflowFailException
from test_stages import only, write_members

from connectors.landing import committed_batches
from yiwang.orchestrate import stages
from yiwang.orchestrate.config import DAGS_DIR, load_config
from yiwang.orchestrate.errors import StageUnavailable, TransientError
from yiwang.orchestrate.factory import retry_policy
from yiwang.orchestrate.runtime import is_transient, load_callable, results_dir, scalars
from yiwang.warehouse.build import BuildResult, NodeResult


def test_load_callable_imports_by_path():
    assert load_callable("yiwang.warehouse.build.build").__name__ == "build"


def test_a_stage_not_written_yet_is_unavailable():
    with pytest.raises(StageUnavailable, match="not installed yet"):
        load_callable("yiwang.no_such_stage.run")
    with pytest.raises(StageUnavailable, match="has no"):
        load_callable("yiwang.warehouse.build.no_such_function")


def test_a_broken_dependency_inside_a_stage_is_not_unavailable(tmp_path, monkeypatch):
    (tmp_path / "yw_broken_stage.py").write_text("import yw_dependency_that_is_missing\n\ndef run():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="yw_dependency_that_is_missing"):
        load_callable("yw_broken_stage.run")


def test_transient_errors_are_told_from_terminal_ones():
    assert is_transient(ConnectionRefusedError("source down"))
    assert is_transient(TimeoutError())
    assert is_transient(TimeoutError())
    try:
        try:
            raise ConnectionResetError("dropped")
        except ConnectionResetError as inner:
            raise RuntimeError("extract failed") from inner
    except RuntimeError as wrapped:
        assert is_transient(wrapped)  # the cause decides
    assert not is_transient(ValueError("contract violated"))
    assert not is_transient(KeyError("id_number"))


def test_retry_policy_retries_transient_and_fails_the_rest():
    policy = retry_policy(load_config())
    assert policy.evaluate(TransientError("lock busy"), 1, 4).action == RetryAction.RETRY
    assert policy.evaluate(ConnectionResetError(), 1, 4).action == RetryAction.RETRY
    assert policy.evaluate(ValueError("bad row"), 1, 4).action == RetryAction.FAIL


def test_xcom_values_are_scalars_and_short():
    class Row:
        def __repr__(self):
            return "x" * 1000

    out = scalars({"counts": {"a": 1}, "path": Path("/tmp/x"), "row": Row()})
    assert out["counts"] == {"a": 1} and out["path"] == "/tmp/x"
    assert isinstance(out["row"], str) and len(out["row"]) <= 300


def _build_result(status: str, error: str | None = None) -> BuildResult:
    node = NodeResult("model.yiwang.dim_person", "dim_person", "model", status, "Binder Error: column x", 1.0)
    test = NodeResult(
        "test.yiwang.unique_dim_person_person_key", "unique_dim_person_person_key", "test", "pass", None, 0.1
    )
    return BuildResult(target="duckdb", where="/tmp/w.duckdb", load=None, nodes=[node, test], error=error)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    for name in ("YIWANG_WAREHOUSE_PATH", "YIWANG_WAREHOUSE_DIR", "YIWANG_WAREHOUSE_TARGET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_build_adapter_names_the_failing_dbt_node(workspace, caplog):
    with pytest.raises(AirflowFailException, match="model dim_person"):
        stages.build(lambda target, full_refresh=False: _build_result("error"), run_id="r1")
    assert "dbt model dim_person: error Binder Error" in caplog.text


def test_build_adapter_builds_a_candidate_not_the_published_file(workspace):
    seen = []

    def stage(target, full_refresh=False):
        seen.append(target)
        return _build_result("success")

    out = stages.build(stage, run_id="r1")
    [target] = seen
    assert target.duckdb_path.parent == (workspace / "warehouse" / "candidates").resolve()
    assert out["candidate"] == str(target.duckdb_path) and out["wap_run_id"]


def test_build_adapter_reports_a_dbt_error_without_nodes(workspace):
    with pytest.raises(AirflowFailException, match="Compilation Error"):
        stages.build(
            lambda target, full_refresh=False: BuildResult("duckdb", "w", None, error="Compilation Error in x"),
            run_id="r1",
        )


def test_gate_adapter_fails_terminally_on_a_failed_gate(workspace):
    class Gate:
        ok = False

        def summary(self):
            return {"failed": 2, "passed": 40}

    upstream = stages.build(lambda target, full_refresh=False: _build_result("success"), run_id="r1")
    with pytest.raises(AirflowFailException, match="warehouse gate failed"):
        stages.check_warehouse(lambda target, **options: Gate(), upstream=upstream, run_id="r1")


def test_resolve_marts_gate_and_publish_need_the_candidate_of_the_task_before(workspace):
    for adapter in (stages.resolve, stages.build_marts, stages.check_warehouse, stages.publish):
        with pytest.raises(AirflowFailException, match="no candidate from the previous task"):
            adapter(lambda target, **options: _build_result("success"), upstream={}, run_id="r1")


RUN_WITH_CONF = r"""
import json, sys
from yiwang.orchestrate import local_run as run
run.configure()
from yiwang.orchestrate.config import load_config
from yiwang.orchestrate.factory import build_dag
config = load_config()
run.prepare_airflow(config)
dag = build_dag(config, config.dag("yiwang_extract_party_building"), "extract")
for conf in json.loads(sys.argv[1]):
    dagrun = dag.test(run_conf=conf)
    print("@@" + json.dumps([dagrun.state, dagrun.run_id]))
"""


@pytest.mark.slow
def test_a_run_triggered_with_accept_short_takes_the_refused_file(tmp_path, monkeypatch):
    """The DAG's param reaches the extract adapter through Airflow (dag.test with a conf)."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YIWANG_"))} | {"YIWANG_HOME": str(home)}
    monkeypatch.setenv("YIWANG_HOME", str(home))
    write_members(home, "dangyuan_20240301.csv", 20)
    stages.extract(only("members"), platform="party_building", run_id="day1")
    write_members(home, "dangyuan_20240302.csv", 7)  # refused unless confirmed
    (tmp_path / "yw_members_only.py").write_text(
        "from connectors import extract as _extract\n\n"
        "def extract(tables, **options):\n"
        "    return _extract([t for t in tables if t.table == 'members'], **options)\n"
    )
    raw = yaml.safe_load((DAGS_DIR / "pipelines.yml").read_text(encoding="utf-8"))
    raw["dags"]["extract"]["tasks"] = [raw["dags"]["extract"]["tasks"][0] | {"stage": "yw_members_only.extract"}]
    raw["defaults"] |= {"retries": 0}
    config = tmp_path / "pipelines.yml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    env |= {"YIWANG_PIPELINES_FILE": str(config), "PYTHONPATH": str(tmp_path)}
    confs = [{}, {"accept_short": ["party_building.members"]}]
    done = subprocess.run(
        [sys.executable, "-c", RUN_WITH_CONF, json.dumps(confs)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = [json.loads(line[2:]) for line in done.stdout.splitlines() if line.startswith("@@")]
    assert [state for state, _ in runs] == ["failed", "success"], done.stdout[-3000:]
    refused = json.loads((results_dir("yiwang_extract_party_building", runs[0][1]) / "extract.json").read_text())
    assert "members (failed, terminal)" in refused["error"]
    taken = json.loads((results_dir("yiwang_extract_party_building", runs[1][1]) / "extract.json").read_text())
    assert taken["tables"]["members"]["status"] == "ok"
    assert len(committed_batches("party_building", "members")) == 2
