"""Where the warehouse lives: environment variables, defaults, and what dbt is told."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.warehouse import resolve_target


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HOME", "WAREHOUSE_DIR", "WAREHOUSE_PATH", "WAREHOUSE_POSTGRES_URL"):
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    monkeypatch.chdir(tmp_path)


def test_duckdb_defaults_to_the_workspace(tmp_path: Path) -> None:
    target = resolve_target("duckdb")
    assert target.duckdb_path == (tmp_path / "var" / "yiwang" / "warehouse" / "yiwang.duckdb").resolve()
    assert target.dbt_env() == {"YIWANG_WAREHOUSE_PATH": str(target.duckdb_path)}


def test_duckdb_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("YIWANG_WAREHOUSE_DIR", str(tmp_path / "wh"))
    assert resolve_target("duckdb").duckdb_path == (tmp_path / "wh" / "yiwang.duckdb").resolve()
    monkeypatch.setenv("YIWANG_WAREHOUSE_PATH", "elsewhere/city.duckdb")
    assert resolve_target("duckdb").duckdb_path == (tmp_path / "elsewhere" / "city.duckdb").resolve()


def test_postgres_url_is_split_for_dbt_and_the_password_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    default = resolve_target("postgres")
    assert default.dbt_env()["YIWANG_WAREHOUSE_POSTGRES_DBNAME"] == "yiwang"
    assert default.dbt_env()["YIWANG_WAREHOUSE_POSTGRES_HOST"] == "127.0.0.1"
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", "postgresql+psycopg://city:s3cret@db.example:6543/warehouse")
    target = resolve_target("postgres")
    assert target.dbt_env() == {
        "YIWANG_WAREHOUSE_POSTGRES_HOST": "db.example",
        "YIWANG_WAREHOUSE_POSTGRES_PORT": "6543",
        "YIWANG_WAREHOUSE_POSTGRES_USER": "city",
        "YIWANG_WAREHOUSE_POSTGRES_PASSWORD": "s3cret",
        "YIWANG_WAREHOUSE_POSTGRES_DBNAME": "warehouse",
        "YIWANG_SCHEMA_SUFFIX": "",  # always set: a stale suffix in the environment never leaks into a build
    }
    assert "s3cret" not in target.describe()
    assert "dbname=warehouse" in target.postgres_conninfo()
    assert "dbname=postgres" in target.postgres_conninfo("postgres")


def test_a_postgres_candidate_writes_its_own_schemas_but_shares_raw() -> None:
    candidate = resolve_target("postgres").with_suffix("__c_run1")
    assert candidate.dbt_env()["YIWANG_SCHEMA_SUFFIX"] == "__c_run1"
    assert [candidate.schema(s) for s in ("marts", "resolution", "quality", "raw")] == [
        "marts__c_run1",
        "resolution__c_run1",
        "quality__c_run1",
        "raw",
    ]
    assert candidate.lock_key() != resolve_target("postgres").lock_key()
    assert resolve_target("duckdb").schema("marts") == "marts"
    with pytest.raises(ValueError, match="another file"):
        resolve_target("duckdb").with_suffix("__c_run1")


def test_unknown_target() -> None:
    with pytest.raises(ValueError, match="duckdb"):
        resolve_target("snowflake")
