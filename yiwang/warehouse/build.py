"""`yiwang build`: load the landing zone into raw.*, then `dbt build` the checkout's dbt_project/.

A full build has three phases, so entity resolution (Python, yiwang/resolve) sits between the
layers dbt builds: (1) `dbt build` of the seeds, staging/ and intermediate/ (tests whose parents
are all in this phase); (2) `yiwang.resolve.resolve()` reads the intermediate mention models and
writes the `resolution` schema; (3) `dbt build` of marts/ with every test that reads a mart. A
build with an explicit --select runs that one dbt selection and skips resolution.

One build at a time per warehouse: the whole run (raw load and dbt) holds the warehouse lock
(yiwang/warehouse/lock.py). dbt runs in this process through dbtRunner, with the project and
profiles of the checkout, the target's location passed through the environment variables that
profiles.yml reads, and its target/ and logs/ folders in the workspace
(workspace_dir("warehouse")/dbt/<target>/), so builds of different workspaces never share them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yiwang.settings import workspace_dir
from yiwang.warehouse.load import LoadProgress, LoadResult, load_raw
from yiwang.warehouse.lock import warehouse_lock
from yiwang.warehouse.targets import Target, ensure_database, resolve_target

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
PROJECT_DIR_ENV = "YIWANG_DBT_PROJECT_DIR"  # another copy of dbt_project/ (a deployment); default: the checkout's
PASSED = ("success", "pass")
FAILED = ("error", "fail", "runtime error")
NO_OP = "no-op"  # dbt's status for nodes with nothing to run (exposures)


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    name: str
    resource_type: str  # model, test, seed, unit_test, ...
    status: str  # success, pass, warn, fail, error, skipped, ...
    message: str | None
    seconds: float
    relation: str | None = None


@dataclass
class BuildResult:
    target: str
    where: str
    load: LoadResult | None
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None  # dbt could not run at all (parse or compile error, ...)
    seconds: float = 0.0
    dbt_seconds: float = 0.0
    resolution: Any = None  # yiwang.resolve.ResolveResult of a full build
    resolve_seconds: float = 0.0

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in FAILED]

    @property
    def ok(self) -> bool:
        resolved = self.resolution is None or self.resolution.ok
        return self.error is None and not self.failed and resolved

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per resource type: passed, warned, failed, skipped."""
        out: dict[str, dict[str, int]] = {}
        for node in self.nodes:
            row = out.setdefault(node.resource_type, {"passed": 0, "warned": 0, "failed": 0, "skipped": 0})
            if node.status in PASSED:
                row["passed"] += 1
            elif node.status == "warn":
                row["warned"] += 1
            elif node.status in FAILED:
                row["failed"] += 1
            else:
                row["skipped"] += 1
        return out


class BuildProgress(LoadProgress):
    """Receives the raw load's calls and one call per dbt node; the CLI draws progress bars."""

    def dbt_started(self, total: int) -> None: ...

    def node_started(self, name: str) -> None: ...

    def node_finished(self, name: str, status: str) -> None: ...

    def dbt_warning(self, message: str) -> None: ...

    def phase(self, name: str) -> None:
        """A build phase starts: "dbt: staging and intermediate", "entity resolution", "dbt: marts"."""


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def project_dir() -> Path:
    return Path(os.environ.get(PROJECT_DIR_ENV) or PROJECT_DIR).resolve()


def dbt_work_dir(target: Target) -> Path:
    return workspace_dir("warehouse").resolve() / "dbt" / target.name


def dbt_args(
    command: str,
    target: Target,
    select: list[str] | None = None,
    threads: int | None = None,
    extra: list[str] | None = None,
) -> list[str]:
    work = dbt_work_dir(target)
    project = project_dir()
    args = [
        command,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target",
        target.name,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--log-level",
        "none",
        "--log-level-file",
        "info",
    ]
    if select:
        args += ["--select", *select]
    if threads:
        args += ["--threads", str(threads)]
    return args + list(extra or [])


def _callback(progress: BuildProgress):
    started = False

    def on_event(event: Any) -> None:
        nonlocal started
        name = event.info.name
        data = event.data
        try:
            if name == "LogStartLine":
                if not started:
                    started = True
                    progress.dbt_started(int(data.total))
                progress.node_started(data.node_info.node_name)
            elif name == "NodeFinished":
                progress.node_finished(data.node_info.node_name, data.node_info.node_status)
            elif event.info.level in ("warn", "error") and name not in ("LogTestResult", "LogModelResult"):
                progress.dbt_warning(event.info.msg)
        except Exception:  # progress display must never break a build
            return

    return on_event


def _node_results(result: Any) -> list[NodeResult]:
    nodes = []
    for r in getattr(result, "results", None) or []:
        node = r.node
        if str(r.status) == NO_OP:  # an exposure runs nothing: not a build outcome to report
            continue
        relation = getattr(node, "relation_name", None)
        nodes.append(
            NodeResult(
                unique_id=node.unique_id,
                name=node.name,
                resource_type=str(node.resource_type),
                status=str(r.status),
                message=r.message,
                seconds=float(r.execution_time or 0),
                relation=relation,
            )
        )
    return nodes


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run.

    dbt-duckdb caches its environment (and with it the open database file) at class level; left
    open, this process would keep the file after the build released the warehouse lock, and the
    next writer (another process, or the raw load) could not open it.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not installed: nothing to close
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


def run_dbt(
    target: Target,
    command: str = "build",
    select: list[str] | None = None,
    threads: int | None = None,
    progress: BuildProgress | None = None,
    extra: list[str] | None = None,
) -> tuple[list[NodeResult], str | None]:
    """Run one dbt command in this process; returns node results and the error that stopped dbt."""
    from dbt.cli.main import dbtRunner

    progress = progress or BuildProgress()
    env = target.dbt_env() | {
        "YIWANG_WAREHOUSE_TARGET": target.name,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "YIWANG_DBT_PLUGINS_DIR": str(project_dir() / "plugins"),  # the DuckDB UDF plugin
    }
    with _environment(env):
        runner = dbtRunner(callbacks=[_callback(progress)])
        try:
            outcome = runner.invoke(dbt_args(command, target, select, threads, extra))
        finally:
            _release_duckdb()
    nodes = _node_results(outcome.result)
    error = None
    if outcome.exception is not None:
        error = f"{type(outcome.exception).__name__}: {outcome.exception}"
    elif not outcome.success and not any(n.status in FAILED for n in nodes):
        error = "dbt failed without a failing node; see " + str(dbt_work_dir(target) / "logs" / "dbt.log")
    return nodes, error


# Phase 1 and phase 3 of a full build (see the module docstring).
FIRST_PHASE = ["resource_type:seed", "staging", "intermediate"]
LAST_PHASE = ["marts"]


def build(
    target: Target | str = "duckdb",
    select: list[str] | None = None,
    *,
    load: bool = True,
    threads: int | None = None,
    wait_seconds: float = 0,
    progress: BuildProgress | None = None,
) -> BuildResult:
    """Load raw (unless load=False), then dbt build; never raises for a failing model or test.

    Without `select`: seeds, staging and intermediate, then entity resolution, then the rest
    (marts); a phase that fails stops the build before the next.
    """
    target = resolve_target(target) if isinstance(target, str) else target
    progress = progress or BuildProgress()
    started = time.monotonic()
    ensure_database(target)
    result = BuildResult(target=target.name, where=target.describe(), load=None)
    with warehouse_lock(target, wait_seconds):
        result.load = load_raw(target, progress=progress, lock=False) if load else None
        dbt_started = time.monotonic()
        if select:
            result.nodes, result.error = run_dbt(target, "build", select, threads, progress)
        else:
            _full_build(target, threads, progress, result)
        result.dbt_seconds = time.monotonic() - dbt_started - result.resolve_seconds
    result.seconds = time.monotonic() - started
    return result


def _full_build(target: Target, threads: int | None, progress: BuildProgress, result: BuildResult) -> None:
    from yiwang.resolve import resolve

    progress.phase("dbt: seeds, staging and intermediate")
    cautious = ["--indirect-selection", "cautious"]  # tests that also read marts wait for phase 3
    nodes, result.error = run_dbt(target, "build", FIRST_PHASE, threads, progress, extra=cautious)
    result.nodes.extend(nodes)
    if not result.ok:
        return
    progress.phase("entity resolution")
    resolve_started = time.monotonic()
    try:
        result.resolution = resolve(target)
    except Exception as error:  # fail closed: no marts from a resolution that did not finish
        result.error = f"entity resolution failed: {type(error).__name__}: {error}"
    result.resolve_seconds = time.monotonic() - resolve_started
    if not result.ok:
        return
    progress.phase("dbt: marts")
    # tests that read a mart and an earlier layer run here (dbt's eager indirect selection)
    nodes, result.error = run_dbt(target, "build", LAST_PHASE, threads, progress)
    result.nodes.extend(nodes)
