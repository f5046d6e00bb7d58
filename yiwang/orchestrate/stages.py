"""Adapters between Airflow tasks and the pipeline's stages (one per task kind in pipelines.yml).

Each adapter is called as `adapter(stage_fn, platform=..., upstream=..., run_id=..., params=...)`
by yiwang/orchestrate/runtime.py, with `stage_fn` the stage function the configuration names and
`params` the DAG run's params. It calls the stage, writes what a data engineer needs into the
task log, raises `AirflowFailException` for terminal failures (a failed gate, a failing dbt model
or test, a table whose error kind is terminal) and `TransientError` for those worth retrying, and
returns a small dict for XCom: counts, run ids, versions and paths, never rows or secrets.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from yiwang.orchestrate.errors import TransientError

log = logging.getLogger("yiwang.orchestrate")
TARGET_ENV = "YIWANG_WAREHOUSE_TARGET"
MART_COUNTS = {  # what `yiwang run` reports as resolved
    "people": "dim_person",
    "houses": "dim_house",
    "companies": "dim_legal_entity",
    "events": "fct_event",
}
ACCEPT_SHORT_PARAM = "accept_short"  # the extract DAGs' param: dropped files the operator confirmed
FULL_REFRESH_PARAM = "full_refresh"  # the warehouse DAG's param: rebuild every incremental table


def _full_refresh(params: dict | None) -> bool:
    return bool((params or {}).get(FULL_REFRESH_PARAM))


def _fail(message: str):
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(message)


def _target() -> str:
    return os.environ.get(TARGET_ENV) or "duckdb"


def _summary(result: Any) -> dict:
    summary = getattr(result, "summary", None)
    return summary() if callable(summary) else {}


def _accept_short(registry, platform: str, value) -> tuple[str, ...]:
    """The run's `accept_short` param: the platform or its tables (`platform.table`); a typo or
    another platform's table fails the task rather than pass unconfirmed."""
    from connectors import select_tables

    names = [value] if isinstance(value, str) else list(value or [])
    for name in names:
        try:
            chosen = select_tables(registry, str(name))
        except KeyError as error:
            raise _fail(f"param {ACCEPT_SHORT_PARAM}: {error.args[0]}") from None
        if any(cfg.platform != platform for cfg in chosen):
            raise _fail(f"param {ACCEPT_SHORT_PARAM}: {name!r} is not a table of {platform}")
    return tuple(str(n) for n in names)


def extract(stage_fn, *, platform: str, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """Extract every table of `platform`; a failing table fails the task after the others landed.

    Each failed or held table carries its error's kind: the task is retried when one of them is
    transient (a retry may land it) and fails at once when all are terminal.
    """
    from connectors import load_registry, select_tables

    registry = load_registry()
    accept_short = _accept_short(registry, platform, (params or {}).get(ACCEPT_SHORT_PARAM))
    if accept_short:
        log.info("%s: dropped files confirmed as complete for this run: %s", platform, ", ".join(accept_short))
    results = stage_fn(select_tables(registry, platform), accept_short=accept_short)
    tables = {}
    for r in results:
        c = r.counts or {}
        tables[r.table] = {
            "status": r.status,
            "landed": c.get("landed", 0),
            "quarantined": c.get("quarantined", 0),
            "unchanged": c.get("unchanged", 0),
        }
        log.info(
            "%s.%s: %s %s", platform, r.table, r.status, {k: c.get(k) for k in ("source", "landed", "quarantined")}
        )
    failed = [r for r in results if r.status != "ok"]
    out = {
        "platform": platform,
        "run_id": results[0].run_id if results else None,
        "tables": tables,
        "rows": sum(t["landed"] for t in tables.values()),
        "quarantined": sum(t["quarantined"] for t in tables.values()),
        "manifests": [str(r.manifest_path) for r in results if r.manifest_path],
    }
    if not failed:
        return out
    kinds = {r.table: r.kind or "terminal" for r in failed}  # a failure of unknown kind is not retried
    text = "; ".join(f"{r.table} ({r.status}, {kinds[r.table]}): {r.error or r.status}" for r in failed)
    confirm = [f"{platform}.{r.table}" for r in failed if r.confirmable]
    if confirm:  # the DAG's way to say what `yiwang extract --accept-short` says on the command line
        conf = json.dumps({ACCEPT_SHORT_PARAM: confirm})
        text += f". If the refused file is complete as it is, trigger this DAG with the conf {conf}"
    if "transient" in kinds.values():
        raise TransientError(f"{platform}: {len(failed)} of {len(results)} table(s) failed: {text}")
    raise _fail(f"{platform}: {len(failed)} of {len(results)} table(s) failed and need a person: {text}")


def _gate(result: Any, what: str) -> dict:
    summary = _summary(result)
    log.info("%s: %s %s", what, "passed" if result.ok else "FAILED", summary)
    if not result.ok:
        raise _fail(f"{what} failed: {summary}")
    return {"ok": True, "gate": summary}


def check_landing(stage_fn, *, platform: str, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """The landing gate over the platform's tables: every committed batch not yet decided,
    including the one the extract task just landed (its run id comes through XCom)."""
    from yiwang.contracts import source_tables

    tables = [t for t in source_tables() if t.platform == platform]
    batch = (upstream or {}).get("run_id")
    return _gate(stage_fn(tables), f"landing gate {platform}") | {"batch": batch}


def _mart_counts(target) -> dict[str, int]:
    """Rows of the entity marts, read-only (after the build released the writer)."""
    from yiwang.targets import attach

    counts: dict[str, int] = {}
    try:
        con = attach(target, read_only=True)
    except Exception as error:  # counting is a report, never a failure
        log.warning("could not open the warehouse to count marts: %s", error)
        return counts
    try:
        for label, model in MART_COUNTS.items():
            try:
                schema = con.execute(
                    "select table_schema from information_schema.tables where table_catalog = 'warehouse' "
                    "and table_name = ? limit 1",
                    [model],
                ).fetchone()
                if schema:
                    relation = f'warehouse."{schema[0]}"."{model}"'  # names from the catalogue and MART_COUNTS
                    counts[label] = con.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608
            except Exception as error:
                log.warning("could not count %s: %s", model, error)
    finally:
        con.close()
    return counts


def _candidate(values: dict | None):
    """The candidate Target a previous task built, or None: its path (DuckDB) or its schema suffix
    (PostgreSQL) travels through XCom, never a connection string."""
    from pathlib import Path

    from yiwang.targets import Target, resolve_target

    values = values or {}
    if values.get("candidate_schema_suffix"):
        return resolve_target("postgres").with_suffix(values["candidate_schema_suffix"])
    path = values.get("candidate")
    return Target("duckdb", duckdb_path=Path(path)) if path else None


CARRIED = ("candidate", "candidate_schema_suffix", "wap_run_id")  # the candidate, task to task


def _built(result: Any, what: str) -> dict:
    """Log a build stage's failing nodes and fail the task when the stage failed."""
    summary = result.summary()
    for node in result.nodes:
        if node.status not in ("success", "pass"):
            log.warning("dbt %s %s: %s %s", node.resource_type, node.name, node.status, (node.message or "")[:500])
    if result.nodes:
        log.info("dbt nodes by type: %s", summary)
    resolution = getattr(result, "resolution", None)
    if resolution is not None:
        log.info("entity resolution: %s", resolution.summary())
    if getattr(result, "disk_full", None):  # one line, not every model that could not write
        raise _fail(result.disk_full)
    if not result.ok:
        failed = [f"{n.resource_type} {n.name}" for n in result.failed]
        head = ", ".join(failed[:20]) + (f" and {len(failed) - 20} more" if len(failed) > 20 else "")
        reason = result.error or (resolution.error if resolution is not None else None)
        raise _fail(f"{what} failed: {head or reason}" + (f" ({reason})" if reason and head else ""))
    return {"where": result.where, "nodes": summary, "seconds": round(result.seconds, 2)}


def build(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """Raw load and dbt up to the mention models, into a new candidate (never the published warehouse).

    The candidate (yiwang.warehouse.publish.make_candidate: a copy of the published DuckDB file,
    or the PostgreSQL schemas <schema>__c_<run>) travels through XCom to resolve, marts, the gate
    and publish.
    """
    from yiwang.targets import resolve_target
    from yiwang.warehouse.publish import make_candidate, new_run_id

    target = resolve_target(_target())
    wap_run_id = new_run_id()
    candidate = make_candidate(target, wap_run_id)
    log.info("building the candidate %s (run %s)", candidate.describe(), wap_run_id)
    out = _built(stage_fn(candidate, full_refresh=_full_refresh(params)), "warehouse build")
    return out | {
        "target": target.name,
        "candidate": str(candidate.duckdb_path) if candidate.is_duckdb else None,
        "candidate_schema_suffix": None if candidate.is_duckdb else candidate.schema_suffix,
        "wap_run_id": wap_run_id,
    }


def _upstream_candidate(upstream: dict | None):
    candidate = _candidate(upstream)
    if candidate is None:
        raise _fail("no candidate from the previous task: the build task writes one")
    return candidate, {k: (upstream or {}).get(k) for k in CARRIED}


def resolve(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """Entity resolution (实体解析) on the candidate's mention models."""
    candidate, carried = _upstream_candidate(upstream)
    result = stage_fn(candidate, full_refresh=_full_refresh(params))
    out = _built(result, "entity resolution")
    return out | {"resolution": getattr(result.resolution, "counts", None)} | carried


def build_marts(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """dbt marts on the candidate; reports the entity marts' row counts."""
    candidate, carried = _upstream_candidate(upstream)
    out = _built(stage_fn(candidate, full_refresh=_full_refresh(params)), "warehouse marts")
    return out | {"marts": _mart_counts(candidate)} | carried


def check_warehouse(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """The warehouse gate on the candidate (drift against the published one); its verdict goes to publish."""
    from yiwang.targets import resolve_target

    candidate, carried = _upstream_candidate(upstream)
    result = stage_fn(candidate, published=resolve_target(_target()), run_id=carried["wap_run_id"])
    for check in getattr(result, "failed", []) or []:
        log.warning("gate check failed: %s: %s", check.name, str(getattr(check, "detail", ""))[:500])
    return _gate(result, "warehouse gate") | carried


def publish(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    """Publish the candidate in one atomic step, given the gate task's passing verdict on it."""
    from yiwang.targets import resolve_target
    from yiwang.warehouse.publish import GateVerdict

    candidate, carried = _upstream_candidate(upstream)
    gate = GateVerdict.from_summary((upstream or {}).get("gate") or {})
    result = stage_fn(resolve_target(_target()), candidate=candidate, gate=gate, run_id=carried["wap_run_id"])
    summary = _summary(result)
    if not result.published:
        raise _fail(f"publish failed: {summary.get('error') or summary}")
    log.info("published: %s", summary)
    return {"published": summary, "version": summary.get("run_id")}


def share(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    result = stage_fn()
    summary = _summary(result)
    if not getattr(result, "ok", True):
        raise _fail(f"sharing failed: {summary}")
    return {"shared": summary}


def write_report(stage_fn, *, platform=None, upstream=None, run_id: str, params: dict | None = None) -> dict:
    path = stage_fn()
    log.info("run report: %s", path)
    return {"report": str(path)}
