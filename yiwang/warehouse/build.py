"""The warehouse build in three stages, each one Airflow task and each callable alone:

    transform(target)         raw load, then `dbt build` of seeds, staging/ and intermediate/
    resolve_entities(target)  yiwang.resolve.resolve(): the intermediate mention models → schema `resolution`
    build_marts(target)       `dbt build` of marts/ (and every test that reads a mart)

`build(target)` runs the three in order (`yiwang build`); `build(target, select=[...])` runs one
dbt selection, refused when it reads the resolution sources and the resolution is missing or
older than the mention models. Staleness is a run record: transform writes a new run id into
`intermediate._stage_run` whenever it builds intermediate models, resolve_entities copies that id
into `resolution._stage_run`; the two must match before marts are built.

Incremental by default: the staging models merge the latest state of the keys that new raw
batches touched into the tables the candidate started with (docs/warehouse.md lists which models
are incremental and why); `full_refresh=True` passes dbt's --full-refresh and rebuilds everything.

One build at a time per warehouse: the whole run (raw load and dbt) holds the warehouse lock
(yiwang/warehouse/lock.py). dbt runs in this process through dbtRunner, with the project and
profiles of the checkout, the target's location passed through the environment variables that
profiles.yml reads, and its target/ and logs/ folders in the workspace
(workspace_dir("warehouse")/dbt/<target>/), so builds of different workspaces never share them.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yiwang.lineage import emit_dbt_run
from yiwang.settings import environment, workspace_dir
from yiwang.targets import Target, attach, ensure_database, resolve_target
from yiwang.warehouse.load import LoadResult, load_raw
from yiwang.warehouse.lock import warehouse_lock
from yiwang.warehouse.progress import BuildProgress

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
PROJECT_DIR_ENV = "YIWANG_DBT_PROJECT_DIR"  # another copy of dbt_project/ (a deployment); default: the checkout's
PASSED = ("success", "pass")
FAILED = ("error", "fail", "runtime error")
# DuckDB's exceptions and dbt's node messages carry no errno: the OS's own text for ENOSPC, which
# they pass on verbatim, is the one trace of a full disk they keep.
NO_SPACE = os.strerror(errno.ENOSPC)
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
    disk_full: str | None = None  # the one line to show when the build ran out of disk space

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
    *,
    profiles_dir: Path | None = None,
    work: Path | None = None,
    file_log_level: str = "info",
) -> list[str]:
    """dbt's arguments for `command` ("run", "docs generate", ...) on `target`; `profiles_dir` and
    `work` (target and log folders) default to the project's and the build's own."""
    work = work or dbt_work_dir(target)
    project = project_dir()
    args = [
        *command.split(),
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(profiles_dir or project),
        "--target",
        target.name,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--log-level",
        "none",
        "--log-level-file",
        file_log_level,
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
        if str(node.resource_type) == "operation" and str(r.status) == "success":
            continue  # a project hook that ran is bookkeeping, not a node of the selection
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


def _dbt_env(target: Target) -> dict[str, str]:
    return target.dbt_env() | {
        "YIWANG_WAREHOUSE_TARGET": target.name,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "YIWANG_DBT_PLUGINS_DIR": str(project_dir() / "plugins"),  # the DuckDB UDF plugin
    }


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
    env = _dbt_env(target)
    quiet_logging = logging.raiseExceptions
    # dbt's log file on a full disk: Python's logging would print a traceback per log line to
    # stderr; the build reports the full disk itself, once
    logging.raiseExceptions = False
    with environment(env):
        runner = dbtRunner(callbacks=[_callback(progress)])
        try:
            outcome = runner.invoke(dbt_args(command, target, select, threads, extra))
        finally:
            logging.raiseExceptions = quiet_logging
            _release_duckdb()
    if outcome.exception is None:  # this invocation wrote run_results.json: its lineage (OpenLineage)
        emit_dbt_run(dbt_work_dir(target) / "target", project_dir(), target.name, env)
    nodes = _node_results(outcome.result)
    error = None
    if outcome.exception is not None:
        error = f"{type(outcome.exception).__name__}: {outcome.exception}"
    elif not outcome.success and not any(n.status in FAILED for n in nodes):
        error = "dbt failed without a failing node; see " + str(dbt_work_dir(target) / "logs" / "dbt.log")
    return nodes, error


FIRST_PHASE = ["resource_type:seed", "staging", "intermediate"]  # transform's selection
LAST_PHASE = ["marts"]  # build_marts' selection
RUN_RECORD = "_stage_run"  # in the intermediate and the resolution schemas
READS_RESOLUTION = "source:resolution+"  # dbt nodes downstream of the resolver's output


def _is_disk_full(error: BaseException | str | None) -> bool:
    """An OSError with errno ENOSPC, or an error (or its cause) whose text carries the OS's ENOSPC text."""
    seen: set[int] = set()
    while isinstance(error, BaseException) and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if NO_SPACE in str(error):
            return True
        error = error.__cause__ or error.__context__
    return isinstance(error, str) and NO_SPACE in error


def disk_full_message(target: Target, what: str = "the build") -> str:
    """One line: which filesystem is full, how full, and what to do."""
    folder = target.duckdb_path.parent if target.is_duckdb else dbt_work_dir(target)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    where = f"the filesystem of {folder} ({usage.free / 2**20:,.0f} MB free of {usage.total / 2**20:,.0f} MB now)"
    if not target.is_duckdb:
        where = f"{target.describe()} or {where}"
    return (
        f"disk full: {what} ran out of space on {where}. "
        "Free some space or move the warehouse (YIWANG_WAREHOUSE_DIR), then build again"
    )


def _prepared(target: Target | str) -> Target:
    target = resolve_target(target) if isinstance(target, str) else target
    ensure_database(target)
    return target


@contextmanager
def _stage(target: Target, wait_seconds: float, progress: BuildProgress | None) -> Iterator[BuildResult]:
    """One stage's run: the warehouse lock held, the timings and the full-disk line filled in."""
    started = time.monotonic()
    result = BuildResult(target=target.name, where=target.describe(), load=None)
    with warehouse_lock(target, wait_seconds):
        yield result
    if _is_disk_full(result.error) or any(_is_disk_full(n.message) for n in result.failed):
        result.disk_full = result.error = disk_full_message(target)
    result.seconds = time.monotonic() - started
    result.dbt_seconds = max(result.seconds - result.resolve_seconds - (result.load.seconds if result.load else 0), 0)


def _load(target: Target, result: BuildResult, progress: BuildProgress) -> None:
    try:
        result.load = load_raw(target, progress=progress, lock=False)
    except Exception as error:
        if not _is_disk_full(error):
            raise
        result.error = f"raw load: {type(error).__name__}: {error}"


FULL_REFRESH = ["--full-refresh"]  # dbt's one way back from incremental tables to a rebuild


def _dbt(
    target: Target, result: BuildResult, select: list[str], threads, progress, extra=None, full_refresh: bool = False
) -> None:
    extra = list(extra or []) + (FULL_REFRESH if full_refresh else [])
    nodes, result.error = run_dbt(target, "build", select, threads, progress, extra=extra)
    result.nodes.extend(nodes)
    intermediate = target.schema("intermediate")
    built = [n for n in nodes if n.resource_type == "model" and n.status in PASSED]
    if any(f'"{intermediate}".' in (n.relation or "") or f".{intermediate}." in (n.relation or "") for n in built):
        _write_record(target, "intermediate", uuid.uuid4().hex, None)  # the mention models changed


def _write_record(target: Target, schema: str, run_id: str, inputs: str | None) -> None:
    con = attach(target, "wh")
    try:
        name = f'wh."{target.schema(schema)}"'
        con.execute(f"create schema if not exists {name}")
        con.execute(
            f"create or replace table {name}.{RUN_RECORD} "
            "(run_id varchar, inputs_run_id varchar, finished_at timestamptz)"
        )
        con.execute(f"insert into {name}.{RUN_RECORD} values (?, ?, now())", [run_id, inputs])  # noqa: S608
    finally:
        con.close()


def _read_record(target: Target, schema: str) -> tuple[str, str | None] | None:
    con = attach(target, "wh", read_only=True)
    try:
        found = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'wh' and schema_name = ? and table_name = ?",
            [target.schema(schema), RUN_RECORD],
        ).fetchone()[0]
        if not found:
            return None
        relation = f'wh."{target.schema(schema)}".{RUN_RECORD}'
        row = con.execute(f"select run_id, inputs_run_id from {relation}").fetchone()  # noqa: S608
    finally:
        con.close()
    return (row[0], row[1]) if row else None


def resolution_staleness(target: Target) -> str | None:
    """Why the resolution cannot feed the marts (missing, or older than the mention models); None when current."""
    mentions = _read_record(target, "intermediate")
    resolution = _read_record(target, "resolution")
    if resolution is None:
        return f"the resolution schema of {target.describe()} has no resolution run"
    if mentions is None:
        return f"the intermediate mention models of {target.describe()} have no build record"
    if resolution[1] != mentions[0]:
        return "the resolution is older than the intermediate mention models (they were rebuilt after it ran)"
    return None


def _check_resolution(target: Target, select: list[str]) -> str | None:
    """The refusal for a selection that reads the resolution sources while they are stale."""
    reading = [f"{token},{READS_RESOLUTION}" for sel in select for token in sel.split()]
    if not _listed(target, reading):
        return None
    reason = resolution_staleness(target)
    if reason is None:
        return None
    return (
        f"refusing to build marts on a stale resolution: {reason}. "
        "Run a full `yiwang build` (no --select: it resolves, then builds the marts)"
    )


def _listed(target: Target, select: list[str]) -> list[str]:
    """The models `dbt ls --select` lists (dbt returns them as the command's result)."""
    from dbt.cli.main import dbtRunner

    with environment(_dbt_env(target)):
        try:
            outcome = dbtRunner().invoke(
                dbt_args("ls", target, select, extra=["--resource-type", "model", "--output", "name"])
            )
        finally:
            _release_duckdb()
    return list(outcome.result or []) if outcome.success else []


def transform(
    target: Target | str = "duckdb",
    *,
    load: bool = True,
    threads: int | None = None,
    wait_seconds: float = 0,
    progress: BuildProgress | None = None,
    full_refresh: bool = False,
) -> BuildResult:
    """Stage 1: raw load (unless load=False), then dbt seeds, staging and intermediate
    (incremental models merged; `full_refresh`: every table rebuilt)."""
    target, progress = _prepared(target), progress or BuildProgress()
    with _stage(target, wait_seconds, progress) as result:
        _transform(target, load, threads, progress, result, full_refresh)
    return result


def _transform(
    target: Target, load: bool, threads, progress: BuildProgress, result: BuildResult, full_refresh: bool = False
) -> None:
    if load:
        _load(target, result, progress)
    if result.error is None:
        progress.phase("dbt: seeds, staging and intermediate")
        cautious = ["--indirect-selection", "cautious"]  # tests that also read marts wait for the marts stage
        _dbt(target, result, FIRST_PHASE, threads, progress, extra=cautious, full_refresh=full_refresh)


def resolve_entities(
    target: Target | str = "duckdb",
    *,
    wait_seconds: float = 0,
    progress: BuildProgress | None = None,
    full_refresh: bool = False,
) -> BuildResult:
    """Stage 2: entity resolution on the intermediate mention models; records which build it read."""
    target, progress = _prepared(target), progress or BuildProgress()
    with _stage(target, wait_seconds, progress) as result:
        _resolve(target, progress, result, full_refresh)
    return result


def _resolve(target: Target, progress: BuildProgress, result: BuildResult, full_refresh: bool = False) -> None:
    from yiwang.resolve import resolve

    progress.phase("entity resolution")
    started = time.monotonic()
    mentions = _read_record(target, "intermediate")
    try:
        result.resolution = resolve(target, full_refresh=full_refresh)  # incremental unless asked
        if result.resolution.ok:
            _write_record(target, "resolution", uuid.uuid4().hex, mentions[0] if mentions else None)
    except Exception as error:  # fail closed: no marts from a resolution that did not finish
        result.error = f"entity resolution failed: {type(error).__name__}: {error}"
    result.resolve_seconds = time.monotonic() - started


def build_marts(
    target: Target | str = "duckdb",
    *,
    threads: int | None = None,
    wait_seconds: float = 0,
    progress: BuildProgress | None = None,
    full_refresh: bool = False,
) -> BuildResult:
    """Stage 3: dbt marts, refused while the resolution is missing or stale."""
    target, progress = _prepared(target), progress or BuildProgress()
    with _stage(target, wait_seconds, progress) as result:
        _marts(target, threads, progress, result, full_refresh)
    return result


def _marts(target: Target, threads, progress: BuildProgress, result: BuildResult, full_refresh: bool = False) -> None:
    reason = resolution_staleness(target)
    if reason is not None:
        result.error = f"refusing to build marts: {reason}. Run resolve_entities() or a full build first"
        return
    progress.phase("dbt: marts")
    # tests that read a mart and an earlier layer run here (dbt's eager indirect selection)
    _dbt(target, result, LAST_PHASE, threads, progress, full_refresh=full_refresh)


def build(
    target: Target | str = "duckdb",
    select: list[str] | None = None,
    *,
    load: bool = True,
    threads: int | None = None,
    wait_seconds: float = 0,
    progress: BuildProgress | None = None,
    full_refresh: bool = False,
) -> BuildResult:
    """Load raw (unless load=False), then transform → resolve_entities → build_marts under one lock,
    each stopping the next when it fails; with `select`, that one dbt selection. `full_refresh`:
    dbt's --full-refresh (every incremental table rebuilt). Never raises for a failing model or test."""
    target, progress = _prepared(target), progress or BuildProgress()
    with _stage(target, wait_seconds, progress) as result:
        if select:
            if load:
                _load(target, result, progress)
            if result.error is None:
                result.error = _check_resolution(target, select)
            if result.error is None:
                _dbt(target, result, select, threads, progress, full_refresh=full_refresh)
            return result
        _transform(target, load, threads, progress, result, full_refresh)
        if result.ok:
            _resolve(target, progress, result, full_refresh)
        if result.ok:
            _marts(target, threads, progress, result, full_refresh)
    return result
