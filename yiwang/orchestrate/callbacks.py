"""Task callbacks: a failure is logged and appended to an alert file (the hook a pager can tail).

The alert file is workspace_dir("reports")/alerts.jsonl: one JSON line per failed or retried
task (DAG, task, run, try, the error's type and message). Messages come from the stages, which
never put secrets in exceptions (connectors redact URLs and tokens); no XCom values are copied.
Set YIWANG_ALERTS_FILE to move it.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("yiwang.orchestrate")


def alerts_file() -> Path:
    from yiwang.settings import workspace_dir

    return Path(os.environ.get("YIWANG_ALERTS_FILE") or workspace_dir("reports") / "alerts.jsonl")


def _alert(kind: str, context) -> dict:
    ti = context.get("ti") or context.get("task_instance")
    error = context.get("exception")
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kind": kind,
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "error_type": type(error).__name__ if error else None,
        "error": str(error)[:1000] if error else None,
    }
    log.error(
        "yiwang task %s: %s.%s (%s) try %s: %s",
        kind,
        *[entry[k] for k in ("dag_id", "task_id", "run_id", "try_number", "error")],
    )
    try:
        path = alerts_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError as write_error:  # the alert must never hide the task's own failure
        log.error("could not write the alert file: %s", write_error)
    return entry


def on_failure(context) -> None:
    _alert("failed", context)


def on_retry(context) -> None:
    _alert("retry", context)
