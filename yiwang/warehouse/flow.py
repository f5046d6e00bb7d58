"""The one place the warehouse meets the quality gate: build → audit → publish.

    audit(candidate, published=target, run_id=...)   quarantine tables, the warehouse gate, and
                                                     (when it passes) the drift baseline, all in the candidate
    publish_audited(target, candidate=..., gate=...) publish with the configured number of kept versions
    publish(target)                                  `yiwang publish`: a new candidate, built, audited, published

yiwang/warehouse/publish.py and the stores never import `quality`; this module does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from yiwang.targets import Target, attach, ensure_database, resolve_target
from yiwang.warehouse.publish import GateVerdict, PublishResult, publish_candidate
from yiwang.warehouse.store import PublishError, new_run_id, store_for


def _keep() -> int:
    from quality.config import load_config

    return int(load_config()["keep_versions"])


def _write_quarantine(candidate: Target) -> None:
    from quality.quarantine import write_tables

    con = attach(candidate, "cand")
    try:
        write_tables(con, "cand", candidate.schema("quality"))
    finally:
        con.close()


def _store_profile(candidate: Target, run_id: str) -> None:
    """The candidate marts' profile beside them: the next gate's drift baseline once published."""
    from quality.config import load_config
    from quality.drift import store_profile

    con = attach(candidate, "cand")
    try:
        drift = load_config()["warehouse"]["drift"]
        store_profile(con, "cand", candidate.schema("quality"), candidate.schema("marts"), run_id, drift)
    finally:
        con.close()


def audit(
    candidate: Target,
    *,
    published: Target | None = None,
    run_id: str | None = None,
    accept_drift: bool = False,
    check: Callable[..., Any] | None = None,
) -> Any:
    """The warehouse gate on `candidate` (run id = the candidate's), after writing its quarantine
    tables; a passing gate also stores the drift baseline. Returns quality's GateResult."""
    from quality.gate import GateResult
    from quality.warehouse_gate import check_warehouse

    check = check or check_warehouse
    run_id = run_id or new_run_id()
    try:
        _write_quarantine(candidate)
    except Exception as error:  # fail closed
        result = GateResult("warehouse", run_id, extra={"target": candidate.describe()})
        result.error = f"quarantine tables: {type(error).__name__}: {error}"
        return result
    options = {"accept_drift": True} if accept_drift else {}  # a `check` without the option keeps working
    result = check(candidate, published=published, run_id=run_id, **options)
    if result.ok:
        _store_profile(candidate, run_id)
    return result


def check_landing() -> Any:
    """The landing gate on new batches (`yiwang publish` runs it before building)."""
    from quality import check_landing as landing_gate

    return landing_gate()


def _version_notes() -> dict:
    """What each version keeps beside it: the sharing audit log's head, so a later truncation of
    the log shows (an unreadable log is reported by the next share, not here)."""
    from yiwang.audit import head

    try:
        return {"audit_head": head()}
    except (OSError, ValueError):
        return {"audit_head": None}


def publish_audited(
    target: Target | str, *, candidate: Target, gate: GateVerdict, run_id: str | None = None
) -> PublishResult:
    """Publish a candidate the gate passed (the DAG's publish task), keeping `keep_versions`."""
    result = publish_candidate(
        target, candidate, gate, run_id=run_id or gate.run_id or None, keep=_keep(), notes=_version_notes()
    )
    _prune_gate_runs(target, result)
    _write_docs_site(target, result)
    return result


def _write_docs_site(target: Target | str, result: PublishResult) -> None:
    """The published version's dbt docs site (yiwang/warehouse/dbt_docs.py); never fails a publish."""
    from yiwang.warehouse import dbt_docs

    if result.published:
        started = time.monotonic()
        if dbt_docs.generate(resolve_target(target) if isinstance(target, str) else target, result.run_id):
            result.steps["dbt_docs"] = time.monotonic() - started


def _prune_gate_runs(target: Target | str, result: PublishResult) -> None:
    """The gate runs (results, data docs) and dbt docs older than the oldest version kept go with it."""
    from quality.data_docs import prune_runs
    from yiwang.settings import workspace_dir
    from yiwang.warehouse import dbt_docs
    from yiwang.warehouse.publish import versions

    kept = versions(target) if result.published else []
    if kept:
        prune_runs(workspace_dir("quality") / "runs", before=min(v["run_id"] for v in kept))
        dbt_docs.prune(before=min(v["run_id"] for v in kept))


def publish(
    target: Target | str = "duckdb",
    *,
    run_id: str | None = None,
    check: Callable[..., Any] | None = None,
    build_options: dict[str, Any] | None = None,
    keep: int | None = None,
    candidate: Target | None = None,
    accept_drift: bool = False,
) -> PublishResult:
    """Build a candidate, gate it, and publish it atomically when (and only when) the gate passes.

    `candidate`: audit and publish one built elsewhere (make_candidate() + build()); it is not
    built again. `accept_drift`: drift from the published version is reported, not blocking."""
    from yiwang.warehouse.build import build as build_warehouse

    started = time.monotonic()
    target = resolve_target(target) if isinstance(target, str) else target
    store = store_for(target)
    built_here = candidate is None
    run_id = run_id or (new_run_id() if built_here else store.run_id_of(candidate))
    where = (candidate or store.candidate(run_id)).describe()
    result = PublishResult(run_id, False, target.describe(), where)

    def stop(error: str) -> PublishResult:
        result.error = error
        result.seconds = time.monotonic() - started
        return result

    try:
        ensure_database(target)
    except Exception as error:
        if target.is_duckdb:
            raise
        return stop(
            f"cannot connect to the warehouse {target.describe()}: {error}; "
            "start PostgreSQL or set YIWANG_WAREHOUSE_POSTGRES_URL"
        )
    from yiwang.warehouse.lock import warehouse_lock

    with warehouse_lock(target):  # one publish at a time per published warehouse
        if run_id in {e["run_id"] for e in store.versions()}:
            raise PublishError(f"run {run_id!r} is already a published version; publish under a new run id")
        store.prune_candidates(keep=candidate)  # leftovers of failed or killed runs, never this one
        if built_here:
            try:
                candidate = store.new_candidate(run_id)
            except PublishError as error:
                return stop(str(error))
            result.steps["copy"] = time.monotonic() - started
            result.build = build_warehouse(candidate, **(build_options or {}))
            result.steps["build"] = time.monotonic() - started - sum(result.steps.values())
            if not result.build.ok:
                if result.build.disk_full and candidate.is_duckdb:
                    store.remove_candidate(candidate)
                return stop(f"build failed: {result.build.error or [n.unique_id for n in result.build.failed][:5]}")
        problem = store.unusable(candidate)
        if problem is not None:
            return stop(problem)
        try:  # a gate that raises blocks like one that fails
            result.gate = audit(candidate, published=target, run_id=run_id, accept_drift=accept_drift, check=check)
        except Exception as error:
            return stop(f"warehouse gate error: {type(error).__name__}: {error}")
        result.steps["gate"] = time.monotonic() - started - sum(result.steps.values())
        if not result.gate.ok:
            return stop(f"warehouse gate failed: {result.gate.error or [c.name for c in result.gate.failed][:10]}")
        published = publish_candidate(
            target,
            candidate,
            GateVerdict.from_summary(result.gate.summary()),
            run_id=run_id,
            keep=keep or _keep(),
            build_summary=result.build.summary() if result.build is not None else {},
            notes=_version_notes(),
            lock=False,
        )
    result.published, result.version_path, result.error = published.published, published.version_path, published.error
    _prune_gate_runs(target, published)
    _write_docs_site(target, published)
    result.steps.update(published.steps)
    result.seconds = time.monotonic() - started
    return result
