"""Write-audit-publish (写入-审核-发布) for the DuckDB warehouse, and rollback.

    publish(target)  1. candidate: a copy of the published file (raw history, the resolver's
                        previous keys and the landing batches already loaded carry over) at
                        <warehouse>/candidates/<run_id>.duckdb
                     2. write: yiwang.warehouse.build.build(candidate_target) — the build is
                        pointed at the candidate simply by its Target (duckdb_path)
                     3. quarantine tables (quality.quarantine, quality.quarantine_log) written
                        into the candidate
                     4. audit: quality.check_warehouse(candidate, published=target)
                     5. publish: the manifest row (quality.published_versions: run id, source
                        batches, gate results) written into the candidate, the candidate copied
                        to <warehouse>/versions/<run_id>.duckdb, then os.replace() onto the
                        published path: one atomic rename; readers that opened the old file keep
                        reading it, new readers see the new one, nobody sees a half-built file.
                     A failing build or gate (or a gate that errors) leaves the published file
                     untouched; the failed candidate is kept under candidates/ for inspection.
    rollback(target, run_id=None)  the published file becomes a copy of versions/<run_id>
                     (default: the version before the current one), by the same atomic rename.

The last `keep_versions` (quality/config.yml) versions are kept. PostgreSQL (candidate schemas
swapped in one transaction) is not implemented yet: publish() refuses a PostgreSQL target.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yiwang.warehouse.lock import warehouse_lock
from yiwang.warehouse.targets import Target, attach, resolve_target

VERSIONS = "versions"
CANDIDATES = "candidates"
INDEX = "index.json"


class PublishError(RuntimeError):
    """Publish or rollback cannot proceed (unsupported target, unknown version)."""


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


def _run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def versions_dir(target: Target) -> Path:
    return target.duckdb_path.parent / VERSIONS


def candidate_target(target: Target, run_id: str) -> Target:
    """Where the build writes before the gate: <warehouse>/candidates/<run_id>.duckdb."""
    path = target.duckdb_path.parent / CANDIDATES / f"{run_id}.duckdb"
    return Target("duckdb", duckdb_path=path)


def make_candidate(target: Target | str = "duckdb", run_id: str | None = None) -> Target:
    """A new candidate: a copy of the published file (or nothing yet), for build(candidate)."""
    target = resolve_target(target) if isinstance(target, str) else target
    candidate = candidate_target(target, run_id or _run_id())
    candidate.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    if target.duckdb_path.is_file():
        shutil.copyfile(target.duckdb_path, candidate.duckdb_path)
    return candidate


def versions(target: Target | str = "duckdb") -> list[dict]:
    """Published versions kept, oldest first: run_id, published_at, path, current."""
    target = resolve_target(target) if isinstance(target, str) else target
    path = versions_dir(target) / INDEX
    return json.loads(path.read_text()) if path.is_file() else []


def _write_index(target: Target, entries: list[dict]) -> None:
    folder = versions_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{INDEX}.tmp"
    tmp.write_text(json.dumps(entries, indent=2))
    os.replace(tmp, folder / INDEX)


def _replace_published(target: Target, source: Path) -> None:
    """Copy `source` next to the published file, fsync, then rename it onto the published path."""
    tmp = target.duckdb_path.with_name(f".{target.duckdb_path.name}.publishing")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target.duckdb_path)


def _manifest(con, run_id: str, gate: Any, build: Any) -> None:
    con.execute("create schema if not exists cand.quality")
    con.execute(
        "create table if not exists cand.quality.published_versions (run_id varchar, published_at timestamptz, "
        "source_batches json, gate_ok boolean, gate_results json, build_summary json)"
    )
    batches = con.execute(
        "select to_json(list(struct_pack(platform, table_name, run_id, rows))) from cand.raw._loaded_batches"
    ).fetchone()[0]
    con.execute(
        "insert into cand.quality.published_versions values (?, now(), ?, ?, ?, ?)",
        [
            run_id,
            batches,
            gate.ok,
            json.dumps([c.__dict__ for c in gate.checks], ensure_ascii=False, default=str),
            json.dumps(build.summary() if build is not None else {}, default=str),
        ],
    )


def publish(
    target: Target | str = "duckdb",
    *,
    run_id: str | None = None,
    build: bool = True,
    check: Callable[..., Any] | None = None,
    build_options: dict[str, Any] | None = None,
    keep: int | None = None,
    candidate: Target | None = None,
) -> PublishResult:
    """Build a candidate, gate it, and publish it atomically when (and only when) the gate passes.

    `candidate`: audit and publish a candidate built elsewhere (make_candidate() + build(), e.g.
    by an orchestrator's build task); it is not built again."""
    from quality.config import load_config
    from quality.quarantine import write_tables
    from quality.warehouse import check_warehouse
    from yiwang.warehouse.build import build as build_warehouse

    started = time.monotonic()
    target = resolve_target(target) if isinstance(target, str) else target
    if not target.is_duckdb:
        raise PublishError(
            "publish on PostgreSQL (candidate schemas swapped in one transaction) is not implemented yet"
        )
    run_id = run_id or _run_id()
    if candidate is not None:
        build = False
    candidate = candidate or candidate_target(target, run_id)
    result = PublishResult(run_id, False, target.describe(), candidate.describe())
    check = check or check_warehouse
    keep = keep or int(load_config()["keep_versions"])
    candidate.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with warehouse_lock(target):  # one publish at a time per published warehouse
        if build and target.duckdb_path.is_file():
            shutil.copyfile(target.duckdb_path, candidate.duckdb_path)  # write: start from what is published
        result.steps["copy"] = time.monotonic() - started
        if build:
            result.build = build_warehouse(candidate, **(build_options or {}))
            result.steps["build"] = time.monotonic() - started - sum(result.steps.values())
            if not result.build.ok:
                result.error = f"build failed: {result.build.error or [n.unique_id for n in result.build.failed][:5]}"
                result.seconds = time.monotonic() - started
                return result
        if not candidate.duckdb_path.is_file():  # never create an empty warehouse to audit
            result.error = f"FileNotFoundError: no candidate warehouse at {candidate.duckdb_path}"
            result.seconds = time.monotonic() - started
            return result
        try:
            con = attach(candidate, "cand")
            try:
                write_tables(con, "cand")
            finally:
                con.close()
        except Exception as error:  # fail closed
            result.error = f"quarantine tables: {type(error).__name__}: {error}"
            result.seconds = time.monotonic() - started
            return result
        try:  # audit; a gate that raises blocks like one that fails
            result.gate = check(candidate, published=target, run_id=run_id)
            gate_ok = bool(result.gate.ok)
        except Exception as error:
            result.error = f"warehouse gate error: {type(error).__name__}: {error}"
            result.seconds = time.monotonic() - started
            return result
        result.steps["gate"] = time.monotonic() - started - sum(result.steps.values())
        if not gate_ok:
            failed = [c.name for c in result.gate.failed][:10]
            result.error = f"warehouse gate failed: {result.gate.error or failed}"
            result.seconds = time.monotonic() - started
            return result
        con = attach(candidate, "cand")
        try:
            _manifest(con, run_id, result.gate, result.build)
        finally:
            con.close()
        folder = versions_dir(target)
        folder.mkdir(parents=True, exist_ok=True)
        version = folder / f"{run_id}.duckdb"
        shutil.copyfile(candidate.duckdb_path, version)
        os.replace(candidate.duckdb_path, target.duckdb_path)  # publish: one atomic rename
        entries = [e for e in versions(target) if e["run_id"] != run_id]
        entries = [{**e, "current": False} for e in entries]
        entries.append(
            {"run_id": run_id, "published_at": datetime.now(UTC).isoformat(), "path": str(version), "current": True}
        )
        for old in entries[:-keep]:
            Path(old["path"]).unlink(missing_ok=True)
        _write_index(target, entries[-keep:])
        result.published = True
        result.version_path = str(version)
    result.seconds = time.monotonic() - started
    return result


def rollback(target: Target | str = "duckdb", run_id: str | None = None) -> dict:
    """Serve a kept version again: `run_id`, or the one published before the current one."""
    target = resolve_target(target) if isinstance(target, str) else target
    if not target.is_duckdb:
        raise PublishError("rollback on PostgreSQL is not implemented yet")
    with warehouse_lock(target):
        entries = versions(target)
        if not entries:
            raise PublishError(f"no published versions under {versions_dir(target)}")
        if run_id is None:
            current = next((i for i, e in enumerate(entries) if e.get("current")), len(entries) - 1)
            if current == 0:
                raise PublishError("no version before the current one to roll back to")
            chosen = entries[current - 1]
        else:
            chosen = next((e for e in entries if e["run_id"] == run_id), None)
            if chosen is None:
                raise PublishError(f"no kept version {run_id!r}; kept: {[e['run_id'] for e in entries]}")
        _replace_published(target, Path(chosen["path"]))
        _write_index(target, [{**e, "current": e["run_id"] == chosen["run_id"]} for e in entries])
    return chosen


def current_version(target: Target | str = "duckdb") -> str | None:
    entry = next((e for e in versions(target) if e.get("current")), None)
    return entry["run_id"] if entry else None
