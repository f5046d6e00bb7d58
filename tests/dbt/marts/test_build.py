"""profiles.yml's `threads: 4` is safe on DuckDB: rebuilding the whole project twice more over the
built tiny city (3 builds in all, 4 threads of one dbt-duckdb process) gives the same rows in
every model; and `dbt docs generate` works (catalog with the marts, exposures in the manifest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from warehouse_city import ENV_CLEARED  # built_city comes from conftest.py, shared with the mart tests

from yiwang.settings import environment
from yiwang.targets import DUCKDB_FILE, resolve_target
from yiwang.warehouse.build import _release_duckdb, dbt_args, dbt_work_dir, project_dir, run_dbt

pytestmark = [pytest.mark.slow]
SCHEMAS = ("staging", "intermediate", "marts")


def fingerprints(path: Path) -> dict[str, tuple[int, int]]:
    """Every model table: (row count, order-independent hash of its rows)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {SCHEMAS} and table_type = 'BASE TABLE'"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0) from "{schema}"."{name}" as t'
            ).fetchone()
            for schema, name in tables
        }


@pytest.fixture
def workspace(built_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(built_city, home, ignore=shutil.ignore_patterns("sources", "landing"))
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    return home


def test_repeated_builds_with_four_threads_give_the_same_rows(workspace: Path) -> None:
    target = resolve_target("duckdb")
    first = fingerprints(workspace / "warehouse" / DUCKDB_FILE)
    assert {"marts.dim_person", "marts.fct_event", "staging.stg_grid_platform__residents"} <= set(first)
    for build in (2, 3):
        nodes, error = run_dbt(target, "build", threads=4)  # the whole project, resolution kept
        assert error is None and not [n for n in nodes if n.status in ("error", "fail")], build
        assert fingerprints(workspace / "warehouse" / DUCKDB_FILE) == first, f"build {build} differs"


def test_dbt_docs_generate_works(workspace: Path) -> None:
    target = resolve_target("duckdb")
    from dbt.cli.main import dbtRunner

    env = target.dbt_env() | {
        "YIWANG_WAREHOUSE_TARGET": target.name,
        "YIWANG_DBT_PLUGINS_DIR": str(project_dir() / "plugins"),
    }
    with environment(env):
        try:
            outcome = dbtRunner().invoke(["docs", *dbt_args("generate", target)])
        finally:
            _release_duckdb()
    assert outcome.success, outcome.exception
    out = dbt_work_dir(target) / "target"
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"model.yiwang.dim_person", "model.yiwang.dim_house", "model.yiwang.dim_legal_entity"} <= set(
        catalog["nodes"]
    )
    person = catalog["nodes"]["model.yiwang.dim_person"]["columns"]
    assert "id_number" in person
    assert manifest["nodes"]["model.yiwang.dim_person"]["columns"]["id_number"]["description"].startswith(
        "公民身份号码"
    )
    assert "exposure.yiwang.sharing_department_exports" in manifest["exposures"]
    assert (out / "index.html").is_file()
