"""The tasks' runtime: stages imported at run time, transient vs terminal errors, small XCom."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.sdk import RetryAction
from airflow.sdk.exceptions import AirflowFailException

from yiwang.orchestrate import stages
from yiwang.orchestrate.config import load_config
from yiwang.orchestrate.errors import StageUnavailable, TransientError
from yiwang.orchestrate.factory import retry_policy
from yiwang.orchestrate.runtime import is_transient, load_callable, scalars
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
        stages.build(lambda target: _build_result("error"), run_id="r1")
    assert "dbt model dim_person: error Binder Error" in caplog.text


def test_build_adapter_builds_a_candidate_not_the_published_file(workspace):
    seen = []

    def stage(target):
        seen.append(target)
        return _build_result("success")

    out = stages.build(stage, run_id="r1")
    [target] = seen
    assert target.duckdb_path.parent == (workspace / "warehouse" / "candidates").resolve()
    assert out["candidate"] == str(target.duckdb_path) and out["wap_run_id"]


def test_build_adapter_reports_a_dbt_error_without_nodes(workspace):
    with pytest.raises(AirflowFailException, match="Compilation Error"):
        stages.build(lambda target: BuildResult("duckdb", "w", None, error="Compilation Error in x"), run_id="r1")


def test_gate_adapter_fails_terminally_on_a_failed_gate(workspace):
    class Gate:
        ok = False

        def summary(self):
            return {"failed": 2, "passed": 40}

    with pytest.raises(AirflowFailException, match="warehouse gate failed"):
        stages.check_warehouse(lambda target: Gate(), run_id="r1")
