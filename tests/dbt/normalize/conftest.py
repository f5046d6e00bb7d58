"""Fixtures for the normalisation macros: a throwaway dbt project holding only
dbt_project/macros/normalize/ (and the DuckDB plugin), run on a DuckDB file and on a fresh
PostgreSQL database.

The PostgreSQL database here lives for the whole module (the corpus is built once per engine),
so it is made by `postgres_module_database`, which follows tests/conftest.py's rules: the server
from YIWANG_TEST_POSTGRES_URL, skip when it is missing, fail when CI=true.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from dbt.cli.main import dbtRunner

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[3]
MACROS = REPO / "dbt_project" / "macros" / "normalize"
PLUGINS = REPO / "dbt_project" / "plugins"
POSTGRES_ADMIN_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="module")
def postgres_module_database() -> Iterator[sa.URL]:
    """A new, empty PostgreSQL database for one test module, dropped after it."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as error:  # any driver error means the server is not usable
        admin.dispose()
        message = f"PostgreSQL is not reachable ({error.__class__.__name__}: {error})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; CI=true, so tests that need it fail instead of skipping")
        pytest.skip(message)
    name = f"yiwang_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    try:
        yield admin.url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


class MacroProject:
    """A dbt project in a temporary folder: the normalisation macros, models written by the
    tests, and one profile with the targets duckdb, duckdb_plugin and (when given) postgres."""

    def __init__(self, root: Path, postgres: sa.URL | None = None) -> None:
        self.root = root
        self.duckdb_path = root / "warehouse.duckdb"
        self.postgres = postgres
        shutil.copytree(MACROS, root / "macros" / "normalize", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        (root / "models").mkdir()
        (root / "dbt_project.yml").write_text(
            textwrap.dedent("""\
                name: yw_normalize_test
                version: "1.0"
                config-version: 2
                profile: yw_normalize_test
                macro-paths: ["macros"]
                model-paths: ["models"]
                flags:
                  send_anonymous_usage_stats: false
                  version_check: false
                  partial_parse: false
                models:
                  yw_normalize_test:
                    +pre-hook: "{{ yw_disable_jit() }}"
                """)
        )
        outputs = {
            "duckdb": {"type": "duckdb", "path": str(self.duckdb_path), "threads": 1},
            "duckdb_plugin": {
                "type": "duckdb",
                "path": str(self.duckdb_path),
                "threads": 1,
                "plugins": [{"module": "yiwang_normalize_udfs"}],
                "module_paths": [str(PLUGINS)],
            },
        }
        if postgres is not None:
            outputs["postgres"] = {
                "type": "postgres",
                "host": postgres.host,
                "port": postgres.port or 5432,
                "user": postgres.username,
                "password": postgres.password or "",
                "dbname": postgres.database,
                "schema": "public",
                "threads": 1,
            }
        profile = {"yw_normalize_test": {"target": "duckdb", "outputs": outputs}}
        (root / "profiles.yml").write_text(yaml.safe_dump(profile))

    def write_model(self, name: str, sql: str) -> None:
        (self.root / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")

    def load(self, target: str, tables: dict[str, pd.DataFrame]) -> None:
        """Create the input tables (replacing them)."""
        if target.startswith("duckdb"):
            with duckdb.connect(str(self.duckdb_path)) as con:
                for name, frame in tables.items():
                    con.register("frame", frame)
                    con.execute(f"create or replace table {name} as select * from frame")
                    con.unregister("frame")
            return
        engine = sa.create_engine(self.postgres)
        try:
            for name, frame in tables.items():
                frame.to_sql(name, engine, if_exists="replace", index=False)
        finally:
            engine.dispose()

    def run(self, target: str, *models: str) -> None:
        args = ["run", "--project-dir", str(self.root), "--profiles-dir", str(self.root), "--target", target]
        args += ["--log-path", str(self.root / "logs"), "--target-path", str(self.root / "target")]
        args += ["--select", *models]
        outcome = dbtRunner().invoke(args)
        assert outcome.success, f"dbt run failed on {target}: {outcome.exception or outcome.result}"

    def read(self, target: str, table: str) -> pd.DataFrame:
        if target.startswith("duckdb"):
            with duckdb.connect(str(self.duckdb_path)) as con:
                return con.sql(f"select * from {table} order by id").df()
        engine = sa.create_engine(self.postgres)
        try:
            return pd.read_sql(f"select * from {table} order by id", engine)
        finally:
            engine.dispose()

    def compiled(self, model: str) -> str:
        matches = list((self.root / "target").rglob(f"{model}.sql"))
        return matches[0].read_text(encoding="utf-8") if matches else ""


@pytest.fixture(scope="module")
def macro_project_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., MacroProject]:
    def make(postgres: sa.URL | None = None) -> MacroProject:
        return MacroProject(tmp_path_factory.mktemp("dbt_normalize"), postgres)

    return make
