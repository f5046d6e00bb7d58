"""Write-audit-publish (写入-审核-发布) for the warehouse, and rollback, on DuckDB and PostgreSQL.

DuckDB (a file):
    publish(target)  1. candidate: a copy of the published file (raw history, the resolver's
                        previous keys and the landing batches already loaded carry over) at
                        <warehouse>/candidates/<run_id>.duckdb
                     2. write: yiwang.warehouse.build.build(candidate_target) — the build is
                        pointed at the candidate simply by its Target (duckdb_path)
                     3. quarantine tables (quality.quarantine, quality.quarantine_log) written
                        into the candidate
                     4. audit: quality.check_warehouse(candidate, published=target)
                     5. publish: the manifest row (quality.published_versions: run id, source
                        batches, gate results) and the marts' profile (quality.published_profile,
                        the next gate's drift baseline) written into the candidate, the candidate copied
                        to <warehouse>/versions/<run_id>.duckdb, then os.replace() onto the
                        published path: one atomic rename; readers that opened the old file keep
                        reading it, new readers see the new one, nobody sees a half-built file.
                     A failing build or gate (or a gate that errors) leaves the published file
                     untouched; the failed candidate is kept under candidates/ for inspection
                     until the next run, which removes every candidate no build is writing
                     (failed, killed by a crash, or built by `yiwang build` and never published:
                     prune_candidates). A build that ran out of disk removes its candidate at once.
    build_candidate(target)  what `yiwang build` runs: a new candidate built like publish's, never
                     audited or published; readers keep reading the published file meanwhile.
    rollback(target, run_id=None)  the published file becomes a copy of versions/<run_id>
                     (default: the version before the current one), by the same atomic rename.

PostgreSQL (schemas in one database; DDL is transactional):
    publish(target)  1. candidate: the schema set CANDIDATE_SCHEMAS (seeds, staging, intermediate,
                        resolution, marts, quality) written as <schema>__c_<run> (Target.schema_suffix);
                        make_candidate() starts it with copies of the published resolution.* (the
                        resolver's previous keys) and quality.published_versions; raw is shared
                        (append-only landing history, loaded once: the gate is about what readers see)
                     2. write: build(candidate_target): dbt (YIWANG_SCHEMA_SUFFIX, read by the macro
                        generate_schema_name and the resolution source), the resolver, the raw load
                     3. quarantine tables into quality__c_<run>; 4. audit: check_warehouse(candidate,
                        published=target) (contracts by GX's SQL engine in PostgreSQL, drift against `marts`)
                     5. publish, in ONE transaction: each live schema S is renamed S__v_<current run>,
                        each S__c_<run> renamed S, schema grants carried over, and the row of
                        publish.versions marked current; readers see the old set or the new one.
                     Failed candidates stay (as S__c_<run>) until the next candidate is made.
    build_candidate(target)  `yiwang build --target postgres`: candidate schemas, never the live ones.
    rollback(target, run_id=None)  the same two renames per schema, in one transaction.
    Kept versions are S__v_<run> schema sets listed in publish.versions; older ones are dropped.

The last `keep_versions` (quality/config.yml) versions are kept (the live one included).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from yiwang.warehouse.lock import lock_path, try_lock, warehouse_lock
from yiwang.warehouse.targets import CANDIDATE_SCHEMAS, Target, attach, ensure_database, resolve_target

VERSIONS = "versions"
CANDIDATES = "candidates"
INDEX = "index.json"
CANDIDATE_TAG = "__c_"  # PostgreSQL: <schema>__c_<run> is a candidate, <schema>__v_<run> a kept version
VERSION_TAG = "__v_"
CONTROL_SCHEMA = "publish"  # PostgreSQL: publish.versions, the kept versions (shared, never swapped)
CARRIED_OVER = {"resolution": None, "quality": ["published_versions"]}  # None: every table


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


def _tag(run_id: str) -> str:
    """The run id as a PostgreSQL name part: lower-case letters and digits only."""
    tag = re.sub(r"[^a-z0-9]", "", run_id.lower())
    if not tag or len(tag) > 40:
        raise PublishError(f"run id {run_id!r} cannot name a schema: use 1-40 letters and digits")
    return tag


def candidate_target(target: Target, run_id: str) -> Target:
    """Where the build writes before the gate: <warehouse>/candidates/<run_id>.duckdb on DuckDB,
    the schemas <schema>__c_<run> on PostgreSQL."""
    if not target.is_duckdb:
        return target.with_suffix(CANDIDATE_TAG + _tag(run_id))
    path = target.duckdb_path.parent / CANDIDATES / f"{run_id}.duckdb"
    return Target("duckdb", duckdb_path=path)


def make_candidate(target: Target | str = "duckdb", run_id: str | None = None) -> Target:
    """A new candidate: a copy of the published file (or nothing yet), for build(candidate).
    Leftover candidates nobody is building are removed first (when no publish or build of the
    warehouse is running; otherwise the next run removes them).
    PostgreSQL: new candidate schemas holding copies of the published resolution and manifest
    tables (leftover candidates of earlier runs are dropped)."""
    target = resolve_target(target) if isinstance(target, str) else target
    if not target.is_duckdb:
        return _pg_make_candidate(target, run_id or _run_id())
    with try_lock(target) as idle:
        if idle:
            prune_candidates(target)
    return _copy_candidate(target, run_id or _run_id())


def _copy_candidate(target: Target, run_id: str) -> Target:
    candidate = candidate_target(target, run_id)
    candidate.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    if target.duckdb_path.is_file():
        shutil.copyfile(target.duckdb_path, candidate.duckdb_path)
    return candidate


def _candidate_files(candidate: Target) -> list[Path]:
    """A DuckDB candidate's file, its write-ahead log, temp folder and lock file."""
    path = candidate.duckdb_path
    return [path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".tmp"), lock_path(candidate)]


def remove_candidate(candidate: Target) -> None:
    """Delete a DuckDB candidate with everything DuckDB and the build left beside it."""
    for path in _candidate_files(candidate):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def prune_candidates(target: Target | str = "duckdb", keep: Target | None = None) -> list[str]:
    """Remove the DuckDB candidates no build is writing (failed, killed, or never published), and
    copies a killed publish or rollback left half written; returns the run ids removed.

    The caller holds the published warehouse's lock (or has seen it free), so no publish is
    auditing a candidate; a build writing one holds that candidate's own lock and is skipped, and
    `keep` (the candidate a publish was handed) stays."""
    target = resolve_target(target) if isinstance(target, str) else target
    folder = target.duckdb_path.parent / CANDIDATES
    removed = []
    if folder.is_dir():
        runs = {p.name.split(".duckdb", 1)[0] for p in folder.iterdir() if ".duckdb" in p.name}
        for run_id in sorted(runs):
            candidate = Target("duckdb", duckdb_path=folder / f"{run_id}.duckdb")
            if keep is not None and keep.is_duckdb and keep.duckdb_path.resolve() == candidate.duckdb_path.resolve():
                continue
            with try_lock(candidate) as idle:
                if idle:
                    remove_candidate(candidate)
                    removed.append(run_id)
    target.duckdb_path.with_name(f".{target.duckdb_path.name}.publishing").unlink(missing_ok=True)
    kept = {Path(e["path"]).name for e in versions(target)}
    for partial in versions_dir(target).glob("*.duckdb") if versions_dir(target).is_dir() else []:
        if partial.name not in kept:  # copied before a crash, never entered in the index
            partial.unlink(missing_ok=True)
    return removed


@contextmanager
def new_candidate(target: Target | str = "duckdb", *, run_id: str | None = None, wait_seconds: float = 0):
    """A new candidate made from what is published, for a writer that must not touch the served
    warehouse (`yiwang build`, `yiwang resolve`). Holds the published warehouse's lock while open
    (one writer: no publish runs beside it), after removing leftover candidates."""
    target = resolve_target(target) if isinstance(target, str) else target
    run_id = run_id or _run_id()
    if not target.is_duckdb:
        ensure_database(target)
    with warehouse_lock(target, wait_seconds):
        if not target.is_duckdb:
            yield _pg_make_candidate(target, run_id)
            return
        prune_candidates(target)
        try:
            candidate = _copy_candidate(target, run_id)
        except OSError as error:
            remove_candidate(candidate_target(target, run_id))
            if error.errno == errno.ENOSPC:
                raise PublishError(_copy_disk_full(target)) from error
            raise
        yield candidate


def build_candidate(
    target: Target | str = "duckdb", *, run_id: str | None = None, wait_seconds: float = 0, **build_options: Any
) -> tuple[Target, Any]:
    """`yiwang build`: build a new candidate from what is published (the raw history and the
    resolver's keys carry over), and stop there: never audited, never published; the published
    warehouse is not opened for writing, so its readers are never blocked. Returns the candidate
    and yiwang.warehouse.build.BuildResult; a build that ran out of disk removes its candidate
    at once (the others stay until the next run)."""
    from yiwang.warehouse.build import build as build_warehouse

    with new_candidate(target, run_id=run_id, wait_seconds=wait_seconds) as candidate:
        result = build_warehouse(candidate, **build_options)
        if result.disk_full and candidate.is_duckdb:
            remove_candidate(candidate)
    return candidate, result


def _copy_disk_full(target: Target) -> str:
    from yiwang.warehouse.build import disk_full_message

    return disk_full_message(target, "copying the published warehouse")


def versions(target: Target | str = "duckdb") -> list[dict]:
    """Published versions kept, oldest first: run_id, published_at, path, current."""
    target = resolve_target(target) if isinstance(target, str) else target
    if not target.is_duckdb:
        return _pg_versions(target)
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
    _store_profile(con, "cand", "quality", "marts", run_id)


def _store_profile(con, alias: str, quality_schema: str, marts_schema: str, run_id: str) -> None:
    """The published marts' profile beside them: the next gate's drift baseline (quality/drift.py)."""
    from quality.config import load_config
    from quality.drift import store_profile

    store_profile(con, alias, quality_schema, marts_schema, run_id, load_config()["warehouse"]["drift"])


def _audit_head() -> dict | None:
    """The sharing audit log's head, recorded with each publish so a later truncation shows."""
    from yiwang.share.audit import head

    try:
        return head()
    except (OSError, ValueError):  # an unreadable log is reported by the next share, not here
        return None


def publish(
    target: Target | str = "duckdb",
    *,
    run_id: str | None = None,
    build: bool = True,
    check: Callable[..., Any] | None = None,
    build_options: dict[str, Any] | None = None,
    keep: int | None = None,
    candidate: Target | None = None,
    accept_drift: bool = False,
) -> PublishResult:
    """Build a candidate, gate it, and publish it atomically when (and only when) the gate passes.

    `candidate`: audit and publish a candidate built elsewhere (make_candidate() + build(), e.g.
    by an orchestrator's build task); it is not built again. `accept_drift`: an intended big change;
    the gate reports drift from the published version as accepted instead of failing."""
    from quality.config import load_config
    from quality.quarantine import write_tables
    from quality.warehouse_gate import check_warehouse
    from yiwang.warehouse.build import build as build_warehouse

    started = time.monotonic()
    target = resolve_target(target) if isinstance(target, str) else target
    if not target.is_duckdb:
        return _pg_publish(
            target,
            run_id=run_id,
            build=build,
            check=check,
            build_options=build_options,
            keep=keep,
            candidate=candidate,
            accept_drift=accept_drift,
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
        prune_candidates(target, keep=candidate)  # leftovers of failed or killed runs, never this one
        if build and target.duckdb_path.is_file():
            try:
                shutil.copyfile(target.duckdb_path, candidate.duckdb_path)  # write: start from what is published
            except OSError as error:
                remove_candidate(candidate)
                if error.errno != errno.ENOSPC:
                    raise
                result.error = _copy_disk_full(target)
                result.seconds = time.monotonic() - started
                return result
        result.steps["copy"] = time.monotonic() - started
        if build:
            result.build = build_warehouse(candidate, **(build_options or {}))
            result.steps["build"] = time.monotonic() - started - sum(result.steps.values())
            if not result.build.ok:
                if result.build.disk_full:
                    remove_candidate(candidate)
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
            result.gate = check(candidate, published=target, run_id=run_id, **_drift_option(accept_drift))
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
            {
                "run_id": run_id,
                "published_at": datetime.now(UTC).isoformat(),
                "path": str(version),
                "current": True,
                "audit_head": _audit_head(),
            }
        )
        for old in entries[:-keep]:
            Path(old["path"]).unlink(missing_ok=True)
        _write_index(target, entries[-keep:])
        result.published = True
        result.version_path = str(version)
    result.seconds = time.monotonic() - started
    return result


def _drift_option(accept_drift: bool) -> dict[str, bool]:
    # passed only when set, so a `check` callable without the option keeps working
    return {"accept_drift": True} if accept_drift else {}


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
    target = resolve_target(target) if isinstance(target, str) else target
    if not target.is_duckdb:
        return _pg_rollback(target, run_id)
    with warehouse_lock(target):
        entries = versions(target)
        if not entries:
            raise PublishError(f"no published versions under {versions_dir(target)}")
        chosen = _rollback_choice(entries, run_id)
        _replace_published(target, Path(chosen["path"]))
        _write_index(target, [{**e, "current": e["run_id"] == chosen["run_id"]} for e in entries])
    return chosen


def current_version(target: Target | str = "duckdb") -> str | None:
    entry = next((e for e in versions(target) if e.get("current")), None)
    return entry["run_id"] if entry else None


# PostgreSQL: candidate schemas, one-transaction swap, versions as renamed schema sets.


def _pg_connect(target: Target) -> psycopg.Connection:
    return psycopg.connect(target.postgres_conninfo())


def _live_schemas(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("select nspname from pg_namespace")}


def _ensure_control(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(CONTROL_SCHEMA)))
    conn.execute(
        sql.SQL(
            "create table if not exists {}.versions (run_id text primary key, version_suffix text not null unique, "
            "published_at timestamptz not null, current boolean not null default false, "
            "seq bigint generated always as identity)"
        ).format(sql.Identifier(CONTROL_SCHEMA))
    )


def _pg_versions(target: Target) -> list[dict]:
    with _pg_connect(target) as conn:
        if CONTROL_SCHEMA not in _live_schemas(conn):
            return []
        rows = conn.execute(
            sql.SQL("select run_id, version_suffix, published_at, current from {}.versions order by seq").format(
                sql.Identifier(CONTROL_SCHEMA)
            )
        ).fetchall()
    return [
        {
            "run_id": run_id,
            "published_at": published_at.isoformat(),
            "path": "schemas " + ", ".join(CANDIDATE_SCHEMAS) if current else f"schemas *{suffix}",
            "suffix": suffix,
            "current": current,
        }
        for run_id, suffix, published_at, current in rows
    ]


def _pg_make_candidate(target: Target, run_id: str) -> Target:
    candidate = candidate_target(target, run_id)
    ensure_database(target)
    with _pg_connect(target) as conn:  # one transaction: a candidate is made whole or not at all
        live = _live_schemas(conn)
        for name in sorted(live):  # failed candidates of earlier runs (kept for inspection until now)
            base, tag, _ = name.partition(CANDIDATE_TAG)
            if tag and base in CANDIDATE_SCHEMAS:
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
        for schema in CANDIDATE_SCHEMAS:
            conn.execute(sql.SQL("create schema {}").format(sql.Identifier(candidate.schema(schema))))
        for schema, wanted in CARRIED_OVER.items():  # the resolver's previous keys, the manifest's history
            if schema not in live:
                continue
            tables = [r[0] for r in conn.execute("select tablename from pg_tables where schemaname = %s", [schema])]
            for table in tables if wanted is None else [t for t in wanted if t in tables]:
                copy_table(conn, schema, candidate.schema(schema), table)
    return candidate


def copy_table(conn, source_schema: str, target_schema: str, table: str) -> None:
    """PostgreSQL: `target_schema.table` as a copy of `source_schema.table` (kept when it exists)."""
    conn.execute(
        sql.SQL("create table if not exists {}.{} as table {}.{}").format(
            sql.Identifier(target_schema), sql.Identifier(table), sql.Identifier(source_schema), sql.Identifier(table)
        )
    )


def _pg_manifest(candidate: Target, run_id: str, gate: Any, build: Any) -> None:
    table = sql.SQL("{}.published_versions").format(sql.Identifier(candidate.schema("quality")))
    with _pg_connect(candidate) as conn:
        conn.execute(
            sql.SQL(
                "create table if not exists {} (run_id text, published_at timestamptz, source_batches json, "
                "gate_ok boolean, gate_results json, build_summary json)"
            ).format(table)
        )
        conn.execute(
            sql.SQL(
                "insert into {} select %s, now(), (select coalesce(json_agg(json_build_object('platform', platform, "
                "'table_name', table_name, 'run_id', run_id, 'rows', rows)), '[]'::json) from raw._loaded_batches), "
                "%s, %s::json, %s::json"
            ).format(table),
            [
                run_id,
                gate.ok,
                json.dumps([c.__dict__ for c in gate.checks], ensure_ascii=False, default=str),
                json.dumps(build.summary() if build is not None else {}, default=str),
            ],
        )
    con = attach(candidate, "cand")
    try:
        _store_profile(con, "cand", candidate.schema("quality"), candidate.schema("marts"), run_id)
    finally:
        con.close()


def _copy_grants(conn: psycopg.Connection, old: str, new: str) -> None:
    """Give `new` the schema privileges `old` had (a BI role's USAGE), and SELECT on its tables."""
    rows = conn.execute(
        "select coalesce(r.rolname, 'public'), a.privilege_type from pg_namespace as n "
        "cross join lateral aclexplode(n.nspacl) as a left join pg_roles as r on r.oid = a.grantee "
        "where n.nspname = %s and a.grantee <> n.nspowner",
        [old],
    ).fetchall()
    for role, privilege in rows:
        grantee = sql.SQL("public") if role == "public" else sql.Identifier(role)
        conn.execute(sql.SQL("grant {} on schema {} to {}").format(sql.SQL(privilege), sql.Identifier(new), grantee))
        if privilege == "USAGE":
            conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(new), grantee))


def _retire_live(conn: psycopg.Connection, live: set[str]) -> str | None:
    """The version suffix the live schemas take when they are swapped out (None: nothing live)."""
    row = conn.execute(
        sql.SQL("select version_suffix from {}.versions where current").format(sql.Identifier(CONTROL_SCHEMA))
    ).fetchone()
    if row:
        return row[0]
    if not any(schema in live for schema in CANDIDATE_SCHEMAS):
        return None
    # schemas a plain `yiwang build --target postgres` wrote: kept as a version, so rollback reaches them
    unpublished = f"unpublished-{_run_id()}"
    suffix = VERSION_TAG + _tag(unpublished)
    conn.execute(
        sql.SQL("insert into {}.versions (run_id, version_suffix, published_at) values (%s, %s, now())").format(
            sql.Identifier(CONTROL_SCHEMA)
        ),
        [unpublished, suffix],
    )
    return suffix


def _swap(conn: psycopg.Connection, incoming: str, outgoing: str | None, live: set[str]) -> None:
    """Inside the caller's transaction: S → S<outgoing>, S<incoming> → S for every schema of the set."""
    for schema in CANDIDATE_SCHEMAS:
        if schema in live:
            if outgoing is None:
                raise PublishError(f"schema {schema} is live but no version records it")
            conn.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(schema), sql.Identifier(schema + outgoing)
                )
            )
        conn.execute(
            sql.SQL("alter schema {} rename to {}").format(sql.Identifier(schema + incoming), sql.Identifier(schema))
        )
        if schema in live:
            _copy_grants(conn, schema + outgoing, schema)


def _prune(target: Target, keep: int) -> None:
    """Drop the schema sets of versions beyond the last `keep` (never the live one)."""
    entries = _pg_versions(target)
    with _pg_connect(target) as conn:
        live = _live_schemas(conn)
        for old in [e for e in entries[:-keep] if not e["current"]]:
            for schema in CANDIDATE_SCHEMAS:
                if schema + old["suffix"] in live:
                    conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema + old["suffix"])))
            conn.execute(
                sql.SQL("delete from {}.versions where run_id = %s").format(sql.Identifier(CONTROL_SCHEMA)),
                [old["run_id"]],
            )


def _pg_publish(
    target: Target,
    *,
    run_id: str | None,
    build: bool,
    check: Callable[..., Any] | None,
    build_options: dict[str, Any] | None,
    keep: int | None,
    candidate: Target | None,
    accept_drift: bool = False,
) -> PublishResult:
    from quality.config import load_config
    from quality.quarantine import write_tables
    from quality.warehouse_gate import check_warehouse
    from yiwang.warehouse.build import build as build_warehouse

    started = time.monotonic()
    if candidate is not None:
        if candidate.is_duckdb or not candidate.schema_suffix.startswith(CANDIDATE_TAG):
            raise PublishError(f"{candidate.describe()} is not a PostgreSQL candidate: make one with make_candidate()")
        build = False
        run_id = run_id or candidate.schema_suffix.removeprefix(CANDIDATE_TAG)
    run_id = run_id or _run_id()
    candidate = candidate or candidate_target(target, run_id)
    result = PublishResult(run_id, False, target.describe(), candidate.describe())
    check = check or check_warehouse
    keep = keep or int(load_config()["keep_versions"])

    def stop(error: str) -> PublishResult:
        result.error = error
        result.seconds = time.monotonic() - started
        return result

    try:
        ensure_database(target)
    except psycopg.OperationalError as error:
        return stop(
            f"cannot connect to the warehouse {target.describe()}: {error}; "
            "start PostgreSQL or set YIWANG_WAREHOUSE_POSTGRES_URL"
        )
    with warehouse_lock(target):  # one publish at a time per published warehouse
        if run_id in {e["run_id"] for e in _pg_versions(target)}:
            raise PublishError(f"run {run_id!r} is already a published version; publish under a new run id")
        if build:
            candidate = _pg_make_candidate(target, run_id)
            result.steps["copy"] = time.monotonic() - started
            result.build = build_warehouse(candidate, **(build_options or {}))
            result.steps["build"] = time.monotonic() - started - sum(result.steps.values())
            if not result.build.ok:
                return stop(f"build failed: {result.build.error or [n.unique_id for n in result.build.failed][:5]}")
        with _pg_connect(target) as conn:
            missing = [candidate.schema(s) for s in CANDIDATE_SCHEMAS if candidate.schema(s) not in _live_schemas(conn)]
            marts = conn.execute("select count(*) from pg_tables where schemaname = %s", [candidate.schema("marts")])
            if not missing and not marts.fetchone()[0]:
                missing = [f"{candidate.schema('marts')} (empty)"]
        if missing:  # never publish a partial schema set
            return stop(f"no candidate schemas {missing} in {target.describe()}: make_candidate() and build() first")
        try:
            con = attach(candidate, "cand")
            try:
                write_tables(con, "cand", candidate.schema("quality"))
            finally:
                con.close()
        except Exception as error:  # fail closed
            return stop(f"quarantine tables: {type(error).__name__}: {error}")
        try:  # audit; a gate that raises blocks like one that fails
            result.gate = check(candidate, published=target, run_id=run_id, **_drift_option(accept_drift))
            gate_ok = bool(result.gate.ok)
        except Exception as error:
            return stop(f"warehouse gate error: {type(error).__name__}: {error}")
        result.steps["gate"] = time.monotonic() - started - sum(result.steps.values())
        if not gate_ok:
            failed = [c.name for c in result.gate.failed][:10]
            return stop(f"warehouse gate failed: {result.gate.error or failed}")
        _pg_manifest(candidate, run_id, result.gate, result.build)
        swap_started = time.monotonic()
        with _pg_connect(target) as conn, conn.transaction():  # publish: one transaction
            _ensure_control(conn)
            conn.execute(sql.SQL("lock table {}.versions in exclusive mode").format(sql.Identifier(CONTROL_SCHEMA)))
            live = _live_schemas(conn)
            outgoing = _retire_live(conn, live)
            _swap(conn, candidate.schema_suffix, outgoing, live)
            conn.execute(sql.SQL("update {}.versions set current = false").format(sql.Identifier(CONTROL_SCHEMA)))
            conn.execute(
                sql.SQL(
                    "insert into {}.versions (run_id, version_suffix, published_at, current) "
                    "values (%s, %s, now(), true)"
                ).format(sql.Identifier(CONTROL_SCHEMA)),
                [run_id, VERSION_TAG + _tag(run_id)],
            )
        result.steps["swap"] = time.monotonic() - swap_started
        _prune(target, keep)
        result.published = True
        result.version_path = f"schemas {', '.join(CANDIDATE_SCHEMAS)} (kept as *{VERSION_TAG}{_tag(run_id)})"
    result.seconds = time.monotonic() - started
    return result


def _pg_rollback(target: Target, run_id: str | None) -> dict:
    with warehouse_lock(target):
        entries = _pg_versions(target)
        if not entries:
            raise PublishError(f"no published versions in {target.describe()}: publish one first (yiwang publish)")
        chosen = _rollback_choice(entries, run_id)
        if chosen["current"]:
            return chosen
        with _pg_connect(target) as conn, conn.transaction():  # rollback: one transaction
            conn.execute(sql.SQL("lock table {}.versions in exclusive mode").format(sql.Identifier(CONTROL_SCHEMA)))
            live = _live_schemas(conn)
            missing = [s + chosen["suffix"] for s in CANDIDATE_SCHEMAS if s + chosen["suffix"] not in live]
            if missing:
                raise PublishError(f"version {chosen['run_id']!r} lacks schemas {missing}; pick another (--list)")
            outgoing = _retire_live(conn, live)
            _swap(conn, chosen["suffix"], outgoing, live)
            conn.execute(
                sql.SQL("update {}.versions set current = (run_id = %s)").format(sql.Identifier(CONTROL_SCHEMA)),
                [chosen["run_id"]],
            )
    return {**chosen, "current": True}
