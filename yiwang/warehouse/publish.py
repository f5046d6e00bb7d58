"""Write-audit-publish (写入-审核-发布) for the warehouse, and rollback: one flow over a store.

    candidate = make_candidate(target)     # a copy of what is published (yiwang/warehouse/store/)
    build(candidate)                       # yiwang.warehouse.build: transform, resolve, marts
    gate = <the warehouse gate on candidate, archived as results.json>
    publish_candidate(target, candidate, GateVerdict.from_summary(gate.summary()))

publish_candidate() refuses a candidate without a passing gate verdict for it: the verdict's run
id must be the candidate's, and the gate's results file must say it passed on this candidate.
It then writes the manifest (quality.published_versions: run id, source batches, gate results)
into the candidate, swaps it in atomically (store.swap_in) and prunes versions beyond `keep`.
A failing build or gate leaves the published warehouse untouched.

The gate itself is not imported here: yiwang/warehouse/flow.py composes build → gate → publish
(`yiwang publish`, the DAG's gate and publish tasks).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yiwang.targets import Target, ensure_database, resolve_target
from yiwang.warehouse.lock import try_lock, warehouse_lock
from yiwang.warehouse.store import PublishError, WarehouseStore, new_run_id, store_for
from yiwang.warehouse.store.postgres_schema import copy_table

__all__ = [
    "GateVerdict",
    "PublishError",
    "PublishResult",
    "build_candidate",
    "candidate_target",
    "copy_table",
    "current_version",
    "make_candidate",
    "new_candidate",
    "new_run_id",
    "prune_candidates",
    "publish_candidate",
    "remove_candidate",
    "rollback",
    "versions",
]
KEEP_VERSIONS = 5  # when the caller names no `keep` (the flow passes quality/config.yml's keep_versions)


@dataclass(frozen=True)
class GateVerdict:
    """What the warehouse gate decided: its run id, pass or fail, and its archived results file."""

    run_id: str
    ok: bool
    results: Path | None

    @classmethod
    def from_summary(cls, summary: dict) -> GateVerdict:
        results = summary.get("results")
        return cls(str(summary.get("run_id") or ""), bool(summary.get("ok")), Path(results) if results else None)

    def checks_for(self, candidate: Target) -> tuple[list, str | None]:
        """The gate's checks from its results file, and why they do not let `candidate` publish."""
        if self.results is None or not self.results.is_file():
            return [], f"no gate results at {self.results}: run the warehouse gate on the candidate first"
        doc = json.loads(self.results.read_text(encoding="utf-8"))
        if doc.get("run_id") != self.run_id or (doc.get("extra") or {}).get("target") != candidate.describe():
            return [], f"the gate results {self.results} are not for the candidate {candidate.describe()}"
        if not (self.ok and doc.get("ok")):
            return doc.get("checks", []), f"the warehouse gate did not pass ({self.results})"
        return doc.get("checks", []), None


@dataclass
class PublishResult:
    run_id: str
    published: bool
    where: str
    candidate: str
    build: Any = None
    gate: Any = None
    error: str | None = None
    version_path: str | None = None
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.published

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "published": self.published,
            "where": self.where,
            "candidate": self.candidate,
            "error": self.error,
            "gate": self.gate.summary() if self.gate is not None else None,
            "version": self.version_path,
            "seconds": round(self.seconds, 2),
        }


def _target(target: Target | str) -> Target:
    return resolve_target(target) if isinstance(target, str) else target


def candidate_target(target: Target, run_id: str) -> Target:
    """Where run `run_id` builds before the gate (the store decides: a file, or suffixed schemas)."""
    return store_for(target).candidate(run_id)


def make_candidate(target: Target | str = "duckdb", run_id: str | None = None) -> Target:
    """A new candidate made from what is published, for build(candidate). Leftover candidates
    nobody is building are removed first (when no publish or build of the warehouse is running;
    otherwise the next run removes them)."""
    target = _target(target)
    store = store_for(target)
    if target.is_duckdb:
        with try_lock(target) as idle:
            if idle:
                store.prune_candidates()
    return store.new_candidate(run_id or new_run_id())


def remove_candidate(candidate: Target, target: Target | str | None = None) -> None:
    store_for(_target(target) if target is not None else candidate).remove_candidate(candidate)


def prune_candidates(target: Target | str = "duckdb", keep: Target | None = None) -> list[str]:
    """Remove the candidates no build is writing (failed, killed, or never published); the caller
    holds the warehouse's lock or has seen it free. Returns the run ids removed."""
    return store_for(_target(target)).prune_candidates(keep)


@contextmanager
def new_candidate(
    target: Target | str = "duckdb", *, run_id: str | None = None, wait_seconds: float = 0
) -> Iterator[Target]:
    """A new candidate for a writer that must not touch the served warehouse (`yiwang build`,
    `yiwang resolve`); holds the warehouse's lock while open, after removing leftover candidates."""
    target = _target(target)
    store = store_for(target)
    ensure_database(target)
    with warehouse_lock(target, wait_seconds):
        store.prune_candidates()
        yield store.new_candidate(run_id or new_run_id())


def build_candidate(
    target: Target | str = "duckdb", *, run_id: str | None = None, wait_seconds: float = 0, **build_options: Any
) -> tuple[Target, Any]:
    """`yiwang build`: build a new candidate and stop there (never audited, never published).
    A build that ran out of disk removes its DuckDB candidate at once."""
    from yiwang.warehouse.build import build as build_warehouse

    with new_candidate(target, run_id=run_id, wait_seconds=wait_seconds) as candidate:
        result = build_warehouse(candidate, **build_options)
        if result.disk_full and candidate.is_duckdb:
            remove_candidate(candidate)
    return candidate, result


def publish_candidate(
    target: Target | str,
    candidate: Target,
    gate: GateVerdict,
    *,
    run_id: str | None = None,
    keep: int | None = None,
    build_summary: dict | None = None,
    notes: dict | None = None,
    lock: bool = True,
) -> PublishResult:
    """Publish `candidate` (made for `run_id`) atomically when `gate` is a passing verdict on it;
    never raises for a refused candidate (the result says why). `notes` are kept with the version;
    `lock=False`: the caller holds the warehouse lock."""
    target = _target(target)
    store = store_for(target)
    run_id = run_id or store.run_id_of(candidate)
    if lock:
        ensure_database(target)
        with warehouse_lock(target):
            return publish_candidate(
                target, candidate, gate, run_id=run_id, keep=keep, build_summary=build_summary, notes=notes, lock=False
            )
    started = time.monotonic()
    result = PublishResult(run_id, False, target.describe(), candidate.describe())
    result.error = _refusal(store, candidate, run_id, gate)
    if result.error is None:
        checks, _ = gate.checks_for(candidate)
        store.write_manifest(candidate, run_id, True, checks, build_summary or {})
        swap_started = time.monotonic()
        result.version_path = store.swap_in(candidate, run_id, notes)
        result.steps["swap"] = time.monotonic() - swap_started
        store.prune_versions(keep or KEEP_VERSIONS)
        result.published = True
    result.seconds = time.monotonic() - started
    return result


def _refusal(store: WarehouseStore, candidate: Target, run_id: str, gate: GateVerdict) -> str | None:
    if run_id in {e["run_id"] for e in store.versions()}:
        raise PublishError(f"run {run_id!r} is already a published version; publish under a new run id")
    if gate.run_id != run_id:
        return f"no gate verdict for this candidate (the gate ran as {gate.run_id!r}, the candidate is {run_id!r})"
    problem = store.unusable(candidate)
    if problem is not None:
        return problem
    return gate.checks_for(candidate)[1]


def versions(target: Target | str = "duckdb") -> list[dict]:
    """Published versions kept, oldest first: run_id, published_at, path, current."""
    return store_for(_target(target)).versions()


def _rollback_choice(entries: list[dict], run_id: str | None) -> dict:
    """The kept version to serve: `run_id`, or the one published before the current one."""
    if run_id is None:
        current = next((i for i, e in enumerate(entries) if e.get("current")), len(entries) - 1)
        if current == 0:
            raise PublishError("no version before the current one to roll back to")
        return entries[current - 1]
    chosen = next((e for e in entries if e["run_id"] == run_id), None)
    if chosen is None:
        raise PublishError(f"no kept version {run_id!r}; kept: {[e['run_id'] for e in entries]}")
    return chosen


def rollback(target: Target | str = "duckdb", run_id: str | None = None) -> dict:
    """Serve a kept version again: `run_id`, or the one published before the current one."""
    target = _target(target)
    store = store_for(target)
    with warehouse_lock(target):
        entries = store.versions()
        if not entries:
            raise PublishError(store.no_versions())
        return store.rollback(_rollback_choice(entries, run_id))


def current_version(target: Target | str = "duckdb") -> str | None:
    entry = next((e for e in versions(target) if e.get("current")), None)
    return entry["run_id"] if entry else None
