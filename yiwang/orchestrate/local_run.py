"""`yiwang run`: the same Airflow DAGs, end to end, in one process on embedded defaults.

No scheduler, no server: Airflow's metadata lives in a SQLite file in a project-local
AIRFLOW_HOME under the workspace (<YIWANG_HOME>/airflow), the DAGs are loaded from dags/ by a
DagBag (so an import error stops the run), and each DAG runs with `dag.test()`, in the order
their assets define: every platform's extract DAG, then the warehouse DAG (when a landed asset
was emitted), then the sharing DAG (only when publish emitted the published asset). Progress is
drawn from the task results the runtime writes; the run ends with a summary.

`configure()` must run before anything imports Airflow (it sets AIRFLOW_HOME and the metadata
database): `yiwang run` calls it first.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yiwang.orchestrate.config import DAGS_DIR, PipelineConfig, load_config
from yiwang.orchestrate.task_logs import TASK_LOG_DIR_ENV
from yiwang.settings import airflow_home, environment, home, workspace_dir


def configure() -> Path:
    """Point Airflow at a project-local home with SQLite metadata and the OpenLineage transport
    (yiwang/lineage.py), before Airflow is imported."""
    from yiwang import lineage

    ah = airflow_home()
    ah.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(ah)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{ah / 'airflow.db'}"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_DIR)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    # dag.test() writes no task log files: the runtime writes them where the UI reads (task_logs.py)
    os.environ["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] = str(ah / "logs")
    os.environ[TASK_LOG_DIR_ENV] = str(ah / "logs")
    os.environ.update(lineage.airflow_env())
    return ah


@dataclass
class DagOutcome:
    dag_id: str
    state: str
    tasks: dict[str, str] = field(default_factory=dict)  # task_id → state
    results: dict[str, dict] = field(default_factory=dict)  # task_id → the runtime's record
    seconds: float = 0.0


def order(config: PipelineConfig) -> list[str]:
    """DAG ids, producers of an asset before the DAGs it triggers."""
    done: list[str] = []
    pending = list(config.dags)
    while pending:
        for spec in list(pending):
            wanted = spec.schedule.get("assets_any") if isinstance(spec.schedule, dict) else None
            producers = [d.dag_id for d in config.dags if wanted and any(t.emits == wanted for t in d.tasks)]
            if all(p in done for p in producers):
                done.append(spec.dag_id)
                pending.remove(spec)
                break
        else:
            raise ValueError(f"pipelines.yml: asset schedules form a cycle among {[d.dag_id for d in pending]}")
    return done


def prepare_airflow(config: PipelineConfig) -> None:
    """Create or migrate the metadata database and the configured pools."""
    from airflow.utils.db import initdb

    from yiwang.orchestrate.setup import create_pools

    with contextlib.redirect_stdout(io.StringIO()):
        initdb()
    create_pools(config)


def embedded_sources() -> dict[str, str]:
    """Environment for the simulator's embedded stores (registry defaults) of unset platforms."""
    from connectors import load_registry

    env = {}
    sources = str(workspace_dir("sources").resolve())
    for platform in load_registry().values():
        for conn in platform.connections.values():
            if conn.credentials.env and not os.environ.get(conn.credentials.env) and conn.default:
                if conn.kind != "http":
                    env[conn.credentials.env] = conn.default.replace("{sources}", sources)
    return env


@contextlib.contextmanager
def party_api():
    """Serve the simulated party-building API when the workspace holds it and no URL is set."""
    from yiwang.simulate.party_api import api_db_path, running

    path = api_db_path(workspace_dir("sources"))
    if os.environ.get("YIWANG_PARTY_API_URL") or not path.exists():
        yield None
        return
    token = secrets.token_urlsafe(24)  # this run's own token; never printed
    with running(path, token=token) as server:
        os.environ["YIWANG_PARTY_API_URL"] = server.base_url
        os.environ["YIWANG_PARTY_API_TOKEN"] = token
        try:
            yield server
        finally:
            os.environ.pop("YIWANG_PARTY_API_URL", None)
            os.environ.pop("YIWANG_PARTY_API_TOKEN", None)


def _read_results(dag_id: str, run_id: str) -> dict[str, dict]:
    from yiwang.orchestrate.runtime import results_dir

    folder = results_dir(dag_id, run_id)
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def _watch(bars: Progress, bar, dag_id: str, stop: threading.Event, since: float) -> None:
    """Advance a DAG's bar as its tasks write their results (the runtime writes one per task)."""
    folder = workspace_dir("reports") / "tasks" / dag_id
    while not stop.wait(0.3):
        done = [p for p in folder.glob("*/*.json") if p.stat().st_mtime >= since] if folder.exists() else []
        bars.update(bar, completed=len(done), description=f"{dag_id} [dim]{done[-1].stem if done else ''}")


def run_dag(dag, bars: Progress | None = None, conf: dict | None = None) -> DagOutcome:
    started = time.monotonic()
    since = time.time() - 1
    stop = threading.Event()
    watcher = None
    if bars is not None:
        bar = bars.add_task(dag.dag_id, total=len(dag.tasks))
        watcher = threading.Thread(target=_watch, args=(bars, bar, dag.dag_id, stop, since), daemon=True)
        watcher.start()
    log_sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(log_sink):
            # the run's conf: only the params this DAG declares (`yiwang run --full-refresh`)
            dagrun = dag.test(run_conf={k: v for k, v in (conf or {}).items() if k in dag.params} or None)
    finally:
        stop.set()
        if watcher is not None:
            watcher.join()
    # in the order they ran (start time; a task that never started after those that did, by id)
    instances = sorted(
        dagrun.get_task_instances(),
        key=lambda ti: (ti.start_date is None, ti.start_date.timestamp() if ti.start_date else 0.0, ti.task_id),
    )
    states = {ti.task_id: str(ti.state.value if hasattr(ti.state, "value") else ti.state) for ti in instances}
    outcome = DagOutcome(
        dag_id=dag.dag_id,
        state=str(dagrun.state.value if hasattr(dagrun.state, "value") else dagrun.state),
        tasks=states,
        results=_read_results(dag.dag_id, dagrun.run_id),
        seconds=time.monotonic() - started,
    )
    if bars is not None:
        bars.update(
            bar,
            completed=len(dag.tasks),
            description=f"{dag.dag_id} [{'green' if outcome.state == 'success' else 'red'}]{outcome.state}",
        )
    log_file = airflow_home() / "logs" / "yiwang-run" / f"{dag.dag_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text(log_sink.getvalue(), encoding="utf-8")
    return outcome


def load_dags() -> dict[str, Any]:
    """The DAGs in dags/, through Airflow's DagBag; import errors are fatal."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags


def emitted(config: PipelineConfig, outcome: DagOutcome, asset_name: str) -> bool:
    spec = config.dag(outcome.dag_id)
    return any(t.emits == asset_name and outcome.tasks.get(t.id) == "success" for t in spec.tasks)


def select(config: PipelineConfig, names: list[str] | None) -> list[str]:
    """The DAG ids `names` pick, in asset order: a DAG id, a kind (extract, warehouse, sharing)
    or a platform; none: every DAG. An unknown name is an error that lists the known ones."""
    ordered = order(config)
    if not names:
        return ordered
    picked: set[str] = set()
    for name in names:
        matches = {d.dag_id for d in config.dags if name in (d.dag_id, d.kind, d.platform)}
        if not matches:
            known = sorted({d.kind for d in config.dags} | set(config.platforms()) | set(ordered))
            raise ValueError(f"no DAG is called {name!r}; choose from: {', '.join(known)}")
        picked |= matches
    return [dag_id for dag_id in ordered if dag_id in picked]


def run_pipeline(
    console: Console,
    config: PipelineConfig | None = None,
    dags_to_run: list[str] | None = None,
    conf: dict | None = None,
) -> list[DagOutcome]:
    """The DAGs in asset order (`dags_to_run`: those only); a DAG triggered by an asset runs only
    when it was emitted in this run, unless none of its producers was selected."""
    from yiwang.logs import quiet_libraries

    config = config or load_config()
    quiet_libraries()
    prepare_airflow(config)
    quiet_libraries()  # again: Airflow's logging set-up resets levels; the DAGs' imports come next
    logging.getLogger("airflow").setLevel(logging.WARNING)
    dags = load_dags()
    outcomes: list[DagOutcome] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with party_api(), environment(embedded_sources()), Progress(*columns, console=console) as bars:
        selected = dags_to_run or order(config)
        for dag_id in selected:
            spec = config.dag(dag_id)
            wanted = spec.schedule.get("assets_any") if isinstance(spec.schedule, dict) else None
            producers = [d.dag_id for d in config.dags if wanted and any(t.emits == wanted for t in d.tasks)]
            chosen_alone = not any(p in selected for p in producers)  # asked for by name: run on what is there
            if wanted and not chosen_alone and not any(emitted(config, o, wanted) for o in outcomes):
                bars.console.print(f"[yellow]{dag_id}: not triggered[/yellow] (no `{wanted}` asset was emitted)")
                continue
            outcomes.append(run_dag(dags[dag_id], bars, conf))
    return outcomes


def summary(config: PipelineConfig, outcomes: list[DagOutcome]) -> dict[str, Any]:
    """What the run did, from the tasks' records (the same values as their XCom)."""
    out: dict[str, Any] = {"platforms": {}, "gates": {}, "dags": {o.dag_id: o.state for o in outcomes}}
    out["dag_seconds"] = {o.dag_id: round(o.seconds, 3) for o in outcomes}
    out["stage_seconds"] = {
        f"{o.dag_id}.{task}": record.get("stage_seconds", 0.0) for o in outcomes for task, record in o.results.items()
    }
    out["import_seconds"] = {
        f"{o.dag_id}.{task}": record.get("import_seconds", 0.0) for o in outcomes for task, record in o.results.items()
    }
    for o in outcomes:
        spec = config.dag(o.dag_id)
        if spec.kind == "extract":
            r = o.results.get("extract", {})
            out["platforms"][spec.platform] = {
                "rows": r.get("rows"),
                "quarantined": r.get("quarantined"),
                "state": o.state,
            }
        for task_id, record in o.results.items():
            if task_id.endswith("gate"):
                name = f"{task_id} {spec.platform}" if spec.platform else task_id
                out["gates"][name] = "passed" if record.get("ok") else record.get("status")
                if record.get("status") == "failed":
                    out["gates"][name] = f"failed: {record.get('error', '')[:200]}"
        if "marts" in o.results:
            out["resolved"] = o.results["marts"].get("marts") or {}
            out["warehouse"] = o.results["marts"].get("where")
        if "publish" in o.tasks:
            record = o.results.get("publish", {})
            if (record.get("published") or {}).get("where"):
                out["warehouse"] = record["published"]["where"]
            out["published"] = record.get("version") or (
                f"not published (publish {o.tasks['publish']}"
                + (f": {record['stage']} not installed yet)" if record.get("status") == "unavailable" else ")")
            )
        if "share" in o.results:
            out["exports"] = o.results["share"].get("shared") or o.results["share"].get("status")
        if "report" in o.results:
            out["report"] = o.results["report"].get("report") or o.results["report"].get("status")
    out["quarantine"] = published_quarantine()
    for platform, row in out["platforms"].items():
        row["quarantine"] = (out["quarantine"] or {}).get(platform, {"landing": 0, "warehouse": 0})
    return out


def published_quarantine() -> dict[str, dict[str, int]] | None:
    """Quarantined records per platform and stage in the published warehouse, by the one
    definition `yiwang quarantine` and the report use; None when nothing is published."""
    from yiwang.orchestrate.stages import TARGET_ENV
    from yiwang.targets import attach, resolve_target

    target = resolve_target(os.environ.get(TARGET_ENV) or "duckdb")
    if target.is_duckdb and not Path(target.duckdb_path).is_file():
        return None
    from quality.quarantine import by_platform, counts

    try:
        con = attach(target, "wh", read_only=True)
    except Exception as error:  # the summary still prints; the counts say why they are missing
        from connectors.credentials import redact

        logging.getLogger("yiwang.orchestrate").warning("quarantine counts unavailable: %s", redact(str(error)))
        return None
    try:
        return by_platform(counts(con, "wh"))
    finally:
        con.close()


def print_summary(console: Console, values: dict[str, Any], outcomes: list[DagOutcome]) -> None:
    dags = Table(title="DAG runs", show_lines=False)
    for column in ("DAG", "state", "tasks", "seconds"):
        dags.add_column(column)
    for o in outcomes:
        tasks = ", ".join(f"{t}={s}" for t, s in o.tasks.items())
        color = "green" if o.state == "success" else "red"
        dags.add_row(o.dag_id, f"[{color}]{o.state}", tasks, f"{o.seconds:.1f}")
    console.print(dags)
    rows = Table(title="rows per platform (落地); quarantined as `yiwang quarantine` counts them")
    for column in ("platform", "rows landed", "quarantined at landing", "quarantined in the warehouse", "state"):
        rows.add_column(column, justify="right" if column.startswith(("rows", "quarantined")) else "left")
    for platform, r in values["platforms"].items():
        q = r.get("quarantine") if values.get("quarantine") is not None else None
        rows.add_row(
            platform,
            f"{r['rows'] or 0:,}",
            f"{q['landing']:,}" if q else "-",
            f"{q['warehouse']:,}" if q else "-",
            r["state"],
        )
    console.print(rows)
    resolved = values.get("resolved") or {}
    console.print(
        "resolved (实体解析): "
        + (", ".join(f"{k} {v:,}" for k, v in resolved.items()) if resolved else "[yellow]no warehouse built")
    )
    for name, state in values["gates"].items():
        console.print(f"gate {name}: {state}")
    console.print(f"warehouse: {values.get('warehouse', '-')}")
    console.print(f"published version: {values.get('published', 'not published')}")
    exports = values.get("exports")
    if isinstance(exports, dict):
        console.print(exports_table(exports))
    else:
        console.print(f"exports written: {exports or 'none (the sharing DAG runs after a publish)'}")
    report = values.get("report")
    if report and Path(str(report)).suffix == ".html":
        report = Path(str(report)).resolve()
    console.print(f"report: {report or 'none (the sharing DAG runs after a publish)'}")
    console.print(
        f"task logs: {airflow_home() / 'logs'}   alerts: {workspace_dir('reports').resolve() / 'alerts.jsonl'}"
    )


def exports_table(shared: dict[str, Any]) -> Table:
    """The sharing task's summary: one row per department export, its datasets and rows, where."""
    base = workspace_dir("exports").resolve()
    run_id = shared.get("run_id") or ""
    table = Table(title=f"exports written (部门共享), run {run_id}")
    for column in ("department", "dataset", "rows", "folder"):
        table.add_column(column, justify="right" if column == "rows" else "left", overflow="fold")
    for department, datasets in (shared.get("departments") or {}).items():
        for dataset, n in datasets.items():
            table.add_row(department, dataset, f"{n:,}", str(base / department / run_id))
    for platform, name in (shared.get("fixlists") or {}).items():
        table.add_row(f"fix list {platform}", "整改清单", "", str(base / "fixlists" / run_id / name))
    from rich.markup import escape

    for line in shared.get("skipped") or []:
        table.add_row("[yellow]skipped", escape(line), "", "")
    for line in shared.get("errors") or []:
        table.add_row("[red]error", escape(line), "", "")
    return table


def main(console: Console | None = None, dags: list[str] | None = None, conf: dict | None = None) -> bool:
    """`yiwang run`: configure, run the DAGs (`dags`: a selection, see select()), print the
    summary; True when every DAG run succeeded."""
    console = console or Console()
    # absolute from here on: every path the run prints or records can be used from anywhere
    os.environ["YIWANG_HOME"] = str(home().resolve())
    config = load_config()
    selected = select(config, dags)
    configure()
    console.rule("[bold]yiwang run: the Airflow DAGs in one process (dag.test(), SQLite metadata)")
    console.print(f"workspace: {home().resolve()}   AIRFLOW_HOME: {airflow_home()}")
    outcomes = run_pipeline(console, config, selected, conf)
    values = summary(config, outcomes)
    (airflow_home() / "last_run.json").write_text(json.dumps(values, indent=2, ensure_ascii=False, default=str))
    console.rule("[bold]summary")
    print_summary(console, values, outcomes)
    return bool(outcomes) and all(o.state == "success" for o in outcomes)
