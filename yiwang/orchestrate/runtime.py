"""What every task runs: import the stage, call its adapter, keep the XCom small and clean.

`run_stage` is the one Python callable behind every task the factory makes. It imports the
adapter (`call`) and the stage (`stage`) named in dags/pipelines.yml *at run time*, so parsing a
DAG file never imports connectors, dbt or DuckDB. It sorts failures into two kinds:

- transient (ConnectionError, TimeoutError, TransientError, a database driver's
  OperationalError, a busy warehouse lock) → re-raised as `TransientError`: the retry policy
  retries it with exponential backoff;
- terminal (a failed gate, a failing dbt node, a contract violation, any other error) →
  `AirflowFailException`: no retry.

Its return value is the task's XCom: counts, run ids, paths and statuses only (stages' result
summaries are filtered to scalars; nothing personal or secret). The same dict, with the stage's
own seconds and when it finished, is written to workspace_dir("reports")/tasks/<dag_id>/<run_id>/<task_id>.json for
`yiwang run`'s summary, the run report and bench/orchestration.py. Under `yiwang run` the task's
log lines also go to the file Airflow's UI reads (task_logs.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from yiwang.orchestrate.errors import StageUnavailable, TransientError

log = logging.getLogger("yiwang.orchestrate")
TRANSIENT_NAMES = {"OperationalError", "InterfaceError", "WarehouseBusy", "ConnectTimeout", "ReadTimeout"}
MAX_TEXT = 300


def load_callable(path: str) -> Any:
    """`package.module.name` → the object; StageUnavailable when that module or name does not exist.

    A ModuleNotFoundError for a module *inside* the stage (a missing dependency) is not
    "unavailable": it is re-raised, so a broken install fails loudly.
    """
    module_name, _, attr = path.rpartition(".")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
            raise StageUnavailable(f"{path}: module {error.name} is not installed yet") from error
        raise
    try:
        return getattr(module, attr)
    except AttributeError as error:
        raise StageUnavailable(f"{path}: {module_name} has no {attr} yet") from error


def is_transient(error: BaseException) -> bool:
    for e in _chain(error):
        if isinstance(e, (ConnectionError, TimeoutError, TransientError)) or type(e).__name__ in TRANSIENT_NAMES:
            return True
    return False


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def scalars(values: Any, depth: int = 0) -> Any:
    """Keep numbers, booleans, short strings and nested dicts/lists of them (for XCom)."""
    if isinstance(values, bool | int | float) or values is None:
        return values
    if isinstance(values, str | Path):
        return str(values)[:MAX_TEXT]
    if isinstance(values, dict) and depth < 4:
        return {str(k): scalars(v, depth + 1) for k, v in values.items()}
    if isinstance(values, list | tuple) and depth < 4:
        return [scalars(v, depth + 1) for v in values[:50]]
    return str(values)[:MAX_TEXT]


def results_dir(dag_id: str, run_id: str) -> Path:
    from yiwang.settings import workspace_dir

    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", run_id)
    return workspace_dir("reports") / "tasks" / dag_id / safe


def _context() -> dict[str, Any]:
    from airflow.sdk import get_current_context

    return get_current_context()


def run_stage(
    call: str, stage: str, if_missing: str = "fail", platform: str | None = None, previous: str | None = None
):
    """The body of every yiwang task (see the module docstring)."""
    from yiwang.orchestrate.task_logs import task_log_file

    context = _context()
    with task_log_file(context["ti"]):  # under `yiwang run` only: the file the UI reads
        return _run_stage(context, call, stage, if_missing, platform, previous)


def _run_stage(context, call: str, stage: str, if_missing: str, platform: str | None, previous: str | None):
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    ti = context["ti"]
    dag_id, task_id, run_id = ti.dag_id, ti.task_id, context["run_id"]
    adapter = load_callable(call)  # ours: a missing adapter is a bug, not "unavailable"
    imported = time.monotonic()
    try:
        stage_fn = load_callable(stage)
    except StageUnavailable as error:
        message = f"stage {stage} is not available: {error}"
        if if_missing == "pass":
            log.warning("%s; passing (if_missing: pass)", message)
            return _record(dag_id, run_id, task_id, {"status": "unavailable", "stage": stage}, 0.0)
        if if_missing == "skip":
            _record(dag_id, run_id, task_id, {"status": "unavailable", "stage": stage}, 0.0)
            raise AirflowSkipException(f"{message}; skipped with the tasks after it (if_missing: skip)") from None
        raise AirflowFailException(message) from None
    import_seconds = round(time.monotonic() - imported, 3)  # the stage's own imports (dbt, DuckDB, …)
    upstream = ti.xcom_pull(task_ids=previous) if previous else None
    params = dict(context.get("params") or {})  # the DAG run's params (pipelines.yml `params`)
    started = time.monotonic()
    try:
        out = adapter(stage_fn, platform=platform, upstream=upstream, run_id=run_id, params=params)
    except AirflowSkipException:
        raise
    except AirflowFailException as error:  # terminal: a failed gate, a failing dbt node
        failed = {"status": "failed", "error": str(error)[:MAX_TEXT], "import_seconds": import_seconds}
        _record(dag_id, run_id, task_id, failed, time.monotonic() - started)
        raise
    except Exception as error:
        seconds = time.monotonic() - started
        failed = {"status": "failed", "error": f"{type(error).__name__}: {error}", "import_seconds": import_seconds}
        _record(dag_id, run_id, task_id, failed, seconds)
        if is_transient(error):
            raise TransientError(f"{stage}: {type(error).__name__}: {error}") from error
        raise AirflowFailException(f"{stage}: {type(error).__name__}: {error}") from error
    seconds = time.monotonic() - started
    values = {"status": "ok", "stage": stage, "import_seconds": import_seconds} | scalars(out)
    _describe_assets(context, values, upstream)
    return _record(dag_id, run_id, task_id, values, seconds)


def _describe_assets(context, values: dict, upstream: dict | None) -> None:
    """Put the batch's run id and counts on the asset events this task emits (never rows)."""
    outlets = getattr(context.get("task"), "outlets", None) or []
    if not outlets:
        return
    extra = {"dag_run_id": context["run_id"]}
    for source in (upstream or {}, values):
        for key in ("platform", "batch", "run_id", "rows", "quarantined", "published"):
            if key in source and source[key] is not None:
                extra[key] = source[key]
    try:
        for outlet in outlets:
            context["outlet_events"][outlet].extra = extra
    except Exception as error:  # describing the event must never fail the task
        log.warning("could not describe the asset event: %s", error)


def _record(dag_id: str, run_id: str, task_id: str, values: dict, seconds: float) -> dict:
    finished = datetime.now(UTC).isoformat()
    values = values | {"stage_seconds": round(seconds, 3), "finished_at": finished}
    folder = results_dir(dag_id, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{task_id}.json.tmp"
    tmp.write_text(json.dumps(values, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / f"{task_id}.json")
    return values
