"""PostgreSQL: the warehouse is a set of schemas in one database; DDL is transactional.

A candidate is the schema set CANDIDATE_SCHEMAS written as <schema>__c_<run> (Target.schema_suffix),
started with copies of the published staging.* (the incremental staging tables and the record of
the batches they hold, which the build merges new batches into), resolution.* (the resolver's
previous keys) and quality.published_versions; raw is shared (append-only landing history, loaded once). Publishing
is ONE transaction: each live schema S is renamed S__v_<current run>, each S__c_<run> renamed S,
schema grants carried over, and the row of publish.versions marked current; readers see the old
set or the new one. Kept versions are S__v_<run> schema sets listed in publish.versions.
"""

from __future__ import annotations

import json
import re

import psycopg
from psycopg import sql

from yiwang.targets import CANDIDATE_SCHEMAS, Target, ensure_database
from yiwang.warehouse.store import PublishError, new_run_id

CANDIDATE_TAG = "__c_"  # <schema>__c_<run> is a candidate, <schema>__v_<run> a kept version
VERSION_TAG = "__v_"
CONTROL_SCHEMA = "publish"  # publish.versions, the kept versions (shared, never swapped)
# None: every table. PostgreSQL cannot clone a table cheaply; one `create table as` per staging
# table is a sequential copy, far cheaper than recomputing the latest state and the normalisers.
CARRIED_OVER = {"staging": None, "resolution": None, "quality": ["published_versions"]}


def tag(run_id: str) -> str:
    """The run id as a PostgreSQL name part: lower-case letters and digits only."""
    name = re.sub(r"[^a-z0-9]", "", run_id.lower())
    if not name or len(name) > 40:
        raise PublishError(f"run id {run_id!r} cannot name a schema: use 1-40 letters and digits")
    return name


def copy_table(conn, source_schema: str, target_schema: str, table: str) -> None:
    """`target_schema.table` as a copy of `source_schema.table` (kept when it exists)."""
    conn.execute(
        sql.SQL("create table if not exists {}.{} as table {}.{}").format(
            sql.Identifier(target_schema), sql.Identifier(table), sql.Identifier(source_schema), sql.Identifier(table)
        )
    )


def _live_schemas(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("select nspname from pg_namespace")}


def _control(query: str) -> sql.Composed:
    return sql.SQL(query).format(sql.Identifier(CONTROL_SCHEMA))


class PostgresSchemaStore:
    def __init__(self, target: Target):
        self.target = target

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.target.postgres_conninfo())

    def candidate(self, run_id: str) -> Target:
        return self.target.with_suffix(CANDIDATE_TAG + tag(run_id))

    def run_id_of(self, candidate: Target) -> str:
        if candidate.is_duckdb or not candidate.schema_suffix.startswith(CANDIDATE_TAG):
            raise PublishError(f"{candidate.describe()} is not a PostgreSQL candidate: make one with make_candidate()")
        return candidate.schema_suffix.removeprefix(CANDIDATE_TAG)

    def new_candidate(self, run_id: str) -> Target:
        candidate = self.candidate(run_id)
        ensure_database(self.target)
        with self._connect() as conn:  # one transaction: a candidate is made whole or not at all
            self._drop_candidates(conn, keep=None)
            live = _live_schemas(conn)
            for schema in CANDIDATE_SCHEMAS:
                conn.execute(sql.SQL("create schema {}").format(sql.Identifier(candidate.schema(schema))))
            for schema, wanted in CARRIED_OVER.items():  # see CARRIED_OVER
                if schema not in live:
                    continue
                tables = [r[0] for r in conn.execute("select tablename from pg_tables where schemaname = %s", [schema])]
                for table in tables if wanted is None else [t for t in wanted if t in tables]:
                    copy_table(conn, schema, candidate.schema(schema), table)
        return candidate

    def _drop_candidates(self, conn, keep: Target | None) -> list[str]:
        """Failed candidates of earlier runs (kept for inspection until now)."""
        dropped = set()
        for name in sorted(_live_schemas(conn)):
            base, found, run = name.partition(CANDIDATE_TAG)
            if found and base in CANDIDATE_SCHEMAS and (keep is None or name != keep.schema(base)):
                conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
                dropped.add(run)
        return sorted(dropped)

    def remove_candidate(self, candidate: Target) -> None:
        with self._connect() as conn:
            for schema in CANDIDATE_SCHEMAS:
                conn.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(candidate.schema(schema)))
                )

    def prune_candidates(self, keep: Target | None = None) -> list[str]:
        with self._connect() as conn:
            return self._drop_candidates(conn, keep)

    def unusable(self, candidate: Target) -> str | None:
        with self._connect() as conn:
            live = _live_schemas(conn)
            missing = [candidate.schema(s) for s in CANDIDATE_SCHEMAS if candidate.schema(s) not in live]
            marts = conn.execute("select count(*) from pg_tables where schemaname = %s", [candidate.schema("marts")])
            if not missing and not marts.fetchone()[0]:
                missing = [f"{candidate.schema('marts')} (empty)"]
        if missing:  # never publish a partial schema set
            return f"no candidate schemas {missing} in {self.target.describe()}: make_candidate() and build() first"
        return None

    def write_manifest(self, candidate: Target, run_id: str, gate_ok: bool, checks: list, build_summary: dict) -> None:
        table = sql.SQL("{}.published_versions").format(sql.Identifier(candidate.schema("quality")))
        with self._connect() as conn:
            conn.execute(
                sql.SQL(
                    "create table if not exists {} (run_id text, published_at timestamptz, source_batches json, "
                    "gate_ok boolean, gate_results json, build_summary json)"
                ).format(table)
            )
            conn.execute(
                sql.SQL(
                    "insert into {} select %s, now(), (select coalesce(json_agg(json_build_object('platform', "
                    "platform, 'table_name', table_name, 'run_id', run_id, 'rows', rows)), '[]'::json) "
                    "from raw._loaded_batches), %s, %s::json, %s::json"
                ).format(table),
                [
                    run_id,
                    gate_ok,
                    json.dumps(checks, ensure_ascii=False, default=str),
                    json.dumps(build_summary, default=str),
                ],
            )

    def swap_in(self, candidate: Target, run_id: str, notes: dict | None = None) -> str:
        with self._connect() as conn, conn.transaction():  # publish: one transaction
            self._ensure_control(conn)
            conn.execute(_control("lock table {}.versions in exclusive mode"))
            live = _live_schemas(conn)
            self._swap(conn, candidate.schema_suffix, self._retire_live(conn, live), live)
            conn.execute(_control("update {}.versions set current = false"))
            conn.execute(
                _control(
                    "insert into {}.versions (run_id, version_suffix, published_at, current, notes) "
                    "values (%s, %s, now(), true, %s)"
                ),
                [run_id, VERSION_TAG + tag(run_id), json.dumps(notes or {}, ensure_ascii=False)],
            )
        return f"schemas {', '.join(CANDIDATE_SCHEMAS)} (kept as *{VERSION_TAG}{tag(run_id)})"

    def prune_versions(self, keep: int) -> None:
        """Drop the schema sets of versions beyond the last `keep` (never the live one)."""
        entries = self.versions()
        with self._connect() as conn:
            live = _live_schemas(conn)
            for old in [e for e in entries[:-keep] if not e["current"]]:
                for schema in CANDIDATE_SCHEMAS:
                    if schema + old["suffix"] in live:
                        conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema + old["suffix"])))
                conn.execute(_control("delete from {}.versions where run_id = %s"), [old["run_id"]])

    def versions(self) -> list[dict]:
        with self._connect() as conn:
            if CONTROL_SCHEMA not in _live_schemas(conn):
                return []
            rows = conn.execute(
                _control("select run_id, version_suffix, published_at, current, notes from {}.versions order by seq")
            ).fetchall()
        return [
            {
                "run_id": run_id,
                "published_at": published_at.isoformat(),
                "path": "schemas " + ", ".join(CANDIDATE_SCHEMAS) if current else f"schemas *{suffix}",
                "suffix": suffix,
                "current": current,
                **(notes or {}),
            }
            for run_id, suffix, published_at, current, notes in rows
        ]

    def rollback(self, chosen: dict) -> dict:
        if chosen["current"]:
            return chosen
        with self._connect() as conn, conn.transaction():  # rollback: one transaction
            conn.execute(_control("lock table {}.versions in exclusive mode"))
            live = _live_schemas(conn)
            missing = [s + chosen["suffix"] for s in CANDIDATE_SCHEMAS if s + chosen["suffix"] not in live]
            if missing:
                raise PublishError(f"version {chosen['run_id']!r} lacks schemas {missing}; pick another (--list)")
            self._swap(conn, chosen["suffix"], self._retire_live(conn, live), live)
            conn.execute(_control("update {}.versions set current = (run_id = %s)"), [chosen["run_id"]])
        return {**chosen, "current": True}

    def no_versions(self) -> str:
        return f"no published versions in {self.target.describe()}: publish one first (yiwang publish)"

    @staticmethod
    def _ensure_control(conn: psycopg.Connection) -> None:
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(CONTROL_SCHEMA)))
        conn.execute(
            _control(
                "create table if not exists {}.versions (run_id text primary key, version_suffix text not null "
                "unique, published_at timestamptz not null, current boolean not null default false, "
                "seq bigint generated always as identity)"
            )
        )
        # warehouses published before versions kept notes
        conn.execute(_control("alter table {}.versions add column if not exists notes jsonb not null default '{{}}'"))

    @staticmethod
    def _retire_live(conn: psycopg.Connection, live: set[str]) -> str | None:
        """The version suffix the live schemas take when they are swapped out (None: nothing live)."""
        row = conn.execute(_control("select version_suffix from {}.versions where current")).fetchone()
        if row:
            return row[0]
        if not any(schema in live for schema in CANDIDATE_SCHEMAS):
            return None
        # schemas a plain `yiwang build --target postgres` wrote: kept as a version, so rollback reaches them
        unpublished = f"unpublished-{new_run_id()}"
        suffix = VERSION_TAG + tag(unpublished)
        conn.execute(
            _control("insert into {}.versions (run_id, version_suffix, published_at) values (%s, %s, now())"),
            [unpublished, suffix],
        )
        return suffix

    @staticmethod
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
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(schema + incoming), sql.Identifier(schema)
                )
            )
            if schema in live:
                _copy_grants(conn, schema + outgoing, schema)


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
