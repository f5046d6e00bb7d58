"""The one DAG factory: dags/pipelines.yml → Airflow DAGs, with airflow.sdk imports only.

A DAG file is thin (see dags/extract.py)::

    \"\"\"The docstring: the DAG's doc in the Airflow UI.\"\"\"
    from yiwang.orchestrate.factory import build_dags
    globals().update(build_dags("extract", __doc__))

Nothing here does I/O beyond reading pipelines.yml, and nothing imports the stages (connectors,
dbt, DuckDB, pandas): each task imports its stage when it runs (yiwang/orchestrate/runtime.py).
Every task gets the same policy: retries with exponential backoff for the transient errors the
configuration lists and none for anything else (an `ExceptionRetryPolicy`), a failure callback,
and the pools, assets and docs its entry names; a DAG gets the `params` its entry declares (set
when a run is triggered by hand, read by the tasks' adapters).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_

from airflow.sdk import DAG, Asset, ExceptionRetryPolicy, Param, RetryAction, RetryRule, chain, task

from yiwang.orchestrate import callbacks, runtime
from yiwang.orchestrate.config import DagSpec, PipelineConfig, TaskSpec, load_config


def asset(config: PipelineConfig, name: str, platform: str | None = None) -> Asset:
    """The Airflow asset `name` of pipelines.yml (per platform for the landed batches)."""
    uri = config.asset_uri(name, platform)
    label = f"yiwang_{name}" + (f"_{platform}" if platform else "")
    return Asset(name=label, uri=uri, group=config.assets[name].get("group", "asset"))


def retry_policy(config: PipelineConfig) -> ExceptionRetryPolicy:
    """Retry the configured transient errors (with the task's backoff); fail anything else at once."""
    rule = RetryRule(
        exception=list(config.transient_errors),
        action=RetryAction.RETRY,
        reason="transient: a source or the warehouse was unreachable or busy",
    )
    return ExceptionRetryPolicy(rules=[rule], default=RetryAction.FAIL)


def default_args(config: PipelineConfig) -> dict:
    d = config.defaults
    return {
        "owner": d.get("owner", "yiwang"),
        "retries": int(d.get("retries", 3)),
        "retry_delay": timedelta(seconds=float(d.get("retry_delay_seconds", 15))),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(seconds=float(d.get("max_retry_delay_seconds", 600))),
        "execution_timeout": timedelta(minutes=float(d.get("execution_timeout_minutes", 120))),
        "retry_policy": retry_policy(config),
        "on_failure_callback": callbacks.on_failure,
        "on_retry_callback": callbacks.on_retry,
    }


def _schedule(config: PipelineConfig, spec: DagSpec):
    if isinstance(spec.schedule, dict):
        name = spec.schedule["assets_any"]
        producers = [d for d in config.dags if any(t.emits == name for t in d.tasks)]
        assets = [asset(config, name, d.platform) for d in producers]
        return reduce(or_, assets) if len(assets) > 1 else assets[0]
    return spec.schedule


def _task(config: PipelineConfig, spec: DagSpec, item: TaskSpec, previous: str | None):
    options: dict = {"task_id": item.id, "doc_md": item.doc or None}
    if item.retries is not None:
        options["retries"] = item.retries
    if item.pool:
        options["pool"] = item.pool
        options["pool_slots"] = 1
    if item.emits:
        options["outlets"] = [asset(config, item.emits, spec.platform)]
    if item.queue:
        options["queue"] = item.queue
    if item.trigger_rule:
        options["trigger_rule"] = item.trigger_rule
    return task(**options)(runtime.run_stage)(
        call=item.call,
        stage=item.stage,
        if_missing=item.if_missing,
        platform=spec.platform,
        previous=previous,
    )


def build_dag(config: PipelineConfig, spec: DagSpec, doc: str | None) -> DAG:
    start = datetime.fromisoformat(str(config.defaults.get("start_date", "2026-11-01"))).replace(tzinfo=UTC)
    title = f"{spec.dag_id}" + (f" — platform `{spec.platform}`" if spec.platform else "")
    with DAG(
        dag_id=spec.dag_id,
        schedule=_schedule(config, spec),
        start_date=start,
        catchup=False,
        max_active_runs=spec.max_active_runs,
        tags=list(spec.tags),
        default_args=default_args(config),
        doc_md=f"## {title}\n\n{(doc or '').strip()}",
        description=(doc or spec.dag_id).strip().splitlines()[0],
        dagrun_timeout=timedelta(hours=6),
        params={name: Param(**p) for name, p in spec.params.items()},
    ) as dag:
        tasks, previous = [], None
        for item in spec.tasks:
            tasks.append(_task(config, spec, item, previous))
            previous = item.id
        chain(*tasks)
    return dag


def build_dags(kind: str, doc: str | None = None, config: PipelineConfig | None = None) -> dict[str, DAG]:
    """Every DAG of `kind` (extract, warehouse, sharing) in pipelines.yml, by dag_id."""
    config = config or load_config()
    return {spec.dag_id: build_dag(config, spec, doc) for spec in config.by_kind(kind)}
