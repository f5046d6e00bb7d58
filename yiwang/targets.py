"""Where the warehouse lives: a DuckDB file (the embedded default) or a PostgreSQL database.

    YIWANG_WAREHOUSE_PATH           the DuckDB file [default: workspace_dir("warehouse")/yiwang.duckdb]
    YIWANG_WAREHOUSE_POSTGRES_URL   SQLAlchemy URL of the PostgreSQL warehouse
                                    [default: postgresql+psycopg://postgres@127.0.0.1:5432/yiwang]

The loader and `yiwang build` read these; dbt's profiles.yml reads the same DuckDB path and the
PostgreSQL parts (YIWANG_WAREHOUSE_POSTGRES_HOST, _PORT, _USER, _PASSWORD, _DBNAME), which
`yiwang build` derives from the URL (`Target.dbt_env`). The password never reaches a log line.

A PostgreSQL target may carry a `schema_suffix` (a write-audit-publish candidate, see
yiwang/warehouse/publish.py): the schemas readers see (CANDIDATE_SCHEMAS) are then written as
`<schema><suffix>` by every writer (dbt through YIWANG_SCHEMA_SUFFIX, read by the macro
generate_schema_name and the `resolution` source; the resolver; the quarantine tables; the gate),
while `raw` (the append-only landing history) is shared. `Target.schema(name)` gives the name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from yiwang.settings import workspace_dir

if TYPE_CHECKING:  # the drivers are imported where used: the command line reads TARGETS alone
    import sqlalchemy as sa

TARGETS = ("duckdb", "postgres")
PATH_ENV = "YIWANG_WAREHOUSE_PATH"
POSTGRES_URL_ENV = "YIWANG_WAREHOUSE_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/yiwang"
DUCKDB_FILE = "yiwang.duckdb"
SCHEMA_SUFFIX_ENV = "YIWANG_SCHEMA_SUFFIX"
# what a build writes and readers read; swapped together on publish. raw is shared (append-only).
CANDIDATE_SCHEMAS = ("seeds", "staging", "intermediate", "resolution", "marts", "quality")


@dataclass(frozen=True)
class Target:
    """One warehouse: `name` is the dbt target (duckdb or postgres)."""

    name: str
    duckdb_path: Path | None = None
    postgres_url: str | None = None
    schema_suffix: str = ""  # PostgreSQL candidates only: their schemas are <schema><suffix>

    @property
    def is_duckdb(self) -> bool:
        return self.name == "duckdb"

    def schema(self, name: str) -> str:
        """The schema this target writes for `name` (a candidate's own copy, or raw as it is)."""
        return f"{name}{self.schema_suffix}" if name in CANDIDATE_SCHEMAS else name

    def with_suffix(self, suffix: str) -> Target:
        if self.is_duckdb:
            raise ValueError("a DuckDB target's candidate is another file, not a schema suffix")
        return Target(self.name, postgres_url=self.postgres_url, schema_suffix=suffix)

    def url(self) -> sa.URL:
        import sqlalchemy as sa

        assert self.postgres_url is not None
        return sa.make_url(self.postgres_url)

    def describe(self) -> str:
        """Where the warehouse is, for humans (never the password)."""
        if self.is_duckdb:
            return str(self.duckdb_path)
        where = self.url().render_as_string(hide_password=True)
        return f"{where} (schemas *{self.schema_suffix})" if self.schema_suffix else where

    def postgres_conninfo(self, database: str | None = None) -> str:
        """libpq connection string (for psycopg and DuckDB's postgres extension)."""
        from psycopg.conninfo import make_conninfo

        url = self.url()
        params = {
            "host": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "user": url.username or "postgres",
            "dbname": database or url.database or "yiwang",
        }
        if url.password:
            params["password"] = url.password
        params |= {k: v for k, v in url.query.items() if isinstance(v, str)}
        return make_conninfo(**params)

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt's profiles.yml, so dbt sees the same warehouse as the loader."""
        if self.is_duckdb:
            return {PATH_ENV: str(self.duckdb_path)}
        url = self.url()
        return {
            "YIWANG_WAREHOUSE_POSTGRES_HOST": url.host or "127.0.0.1",
            "YIWANG_WAREHOUSE_POSTGRES_PORT": str(url.port or 5432),
            "YIWANG_WAREHOUSE_POSTGRES_USER": url.username or "postgres",
            "YIWANG_WAREHOUSE_POSTGRES_PASSWORD": url.password or "",
            "YIWANG_WAREHOUSE_POSTGRES_DBNAME": url.database or "yiwang",
            SCHEMA_SUFFIX_ENV: self.schema_suffix,
        }

    def lock_key(self) -> str:
        """What two builds must not write at the same time."""
        if self.is_duckdb:
            return str(self.duckdb_path)
        url = self.url()
        return f"{url.host}:{url.port or 5432}/{url.database}{self.schema_suffix}"


def resolve_target(name: str = "duckdb") -> Target:
    """The target named `name`, located from the environment."""
    if name == "duckdb":
        path = Path(os.environ.get(PATH_ENV) or workspace_dir("warehouse") / DUCKDB_FILE)
        return Target("duckdb", duckdb_path=path.expanduser().resolve())
    if name == "postgres":
        return Target("postgres", postgres_url=os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)
    raise ValueError(f"unknown warehouse target {name!r}; use one of {TARGETS}")


def ensure_database(target: Target) -> bool:
    """Create the PostgreSQL warehouse database when it is missing; True when it was created."""
    if target.is_duckdb:
        target.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        return False
    import psycopg
    from psycopg import sql

    name = target.url().database or "yiwang"
    with psycopg.connect(target.postgres_conninfo("postgres"), autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            return False
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:  # created by a concurrent run
            return False
    return True


def attach(target: Target, alias: str = "warehouse", *, read_only: bool = False):
    """A new in-memory DuckDB connection with the warehouse attached as `alias`: the DuckDB file,
    or the PostgreSQL database through DuckDB's postgres extension. One SQL dialect for both."""
    from yiwang import duckdb_connection

    mode = " (read_only)" if read_only else ""
    if target.is_duckdb:
        con = duckdb_connection.connect()
        con.execute(f"attach {duckdb_connection.literal(str(target.duckdb_path))} as {alias}{mode}")
    else:
        con = duckdb_connection.connect("postgres")
        options = "type postgres, read_only" if read_only else "type postgres"
        con.execute(f"attach {duckdb_connection.literal(target.postgres_conninfo())} as {alias} ({options})")
    return con
