"""Run history (运行记录) for `yiwang runs`: every DAG run's tasks, from the records the tasks write.

Each task writes workspace_dir("reports")/tasks/<dag_id>/<run_id>/<task_id>.json (see runtime.py)
whether it ran under `yiwang run` or a real Airflow scheduler, so the history needs no Airflow
metadata database and works on any workspace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yiwang.settings import workspace_dir


@dataclass
class TaskRecord:
    task_id: str
    status: str  # ok, failed, unavailable
    seconds: float
    finished_at: datetime
    values: dict[str, Any]

    @property
    def outcome(self) -> str:
        """One short line: what the task did (counts, gate result, version) or why it failed."""
        v = self.values
        if self.status == "failed":
            return f"failed: {v.get('error', '')}"
        if self.status == "unavailable":
            return f"skipped: {v.get('stage')} not installed"
        parts = []
        if "rows" in v:
            refused = f", {v['quarantined']:,} quarantined by the connector" if v.get("quarantined") else ""
            parts.append(f"{v['rows']:,} rows landed{refused}")
        gate = v.get("gate")
        if v.get("ok") is True:
            checks = gate.get("checks") if isinstance(gate, dict) else None
            parts.append(f"gate passed ({checks} checks)" if checks else "gate passed")
        if v.get("version"):
            parts.append(f"published {v['version']}")
        if isinstance(v.get("marts"), dict):
            parts.append(", ".join(f"{name} {n:,}" for name, n in v["marts"].items() if isinstance(n, int)))
        if v.get("report"):
            parts.append(f"report {v['report']}")
        return "; ".join(parts) or "ok"


@dataclass
class DagRun:
    dag_id: str
    run_id: str
    tasks: list[TaskRecord] = field(default_factory=list)  # in the order they finished

    @property
    def status(self) -> str:
        return "failed" if any(t.status == "failed" for t in self.tasks) else "success"

    @property
    def finished_at(self) -> datetime:
        return self.tasks[-1].finished_at

    @property
    def seconds(self) -> float:
        return sum(t.seconds for t in self.tasks)


def _task(path: Path) -> TaskRecord | None:
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a record being replaced or hand-damaged: not a run to show
        return None
    stamp = values.get("finished_at")
    finished = datetime.fromisoformat(stamp) if stamp else datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return TaskRecord(
        path.stem, str(values.get("status", "ok")), float(values.get("stage_seconds") or 0), finished, values
    )


def dag_runs(dag: str | None = None) -> list[DagRun]:
    """Every recorded DAG run, newest last; `dag` keeps those whose DAG id contains it."""
    root = workspace_dir("reports") / "tasks"
    runs = []
    for folder in sorted(root.glob("*/*")) if root.is_dir() else []:
        if not folder.is_dir() or (dag and dag not in folder.parent.name):
            continue
        tasks = sorted(filter(None, map(_task, folder.glob("*.json"))), key=lambda t: t.finished_at)
        if tasks:
            runs.append(DagRun(folder.parent.name, folder.name, tasks))
    return sorted(runs, key=lambda r: r.finished_at)


def find(run_id: str) -> list[DagRun]:
    """The DAG runs whose run id is `run_id` or starts with it (one `yiwang run` makes several)."""
    return [r for r in dag_runs() if r.run_id == run_id or r.run_id.startswith(run_id)]
