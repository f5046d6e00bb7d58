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
    }
    assert "s3cret" not in target.describe()
    assert "dbname=warehouse" in target.postgres_conninfo()
    assert "dbname=postgres" in target.postgres_conninfo("postgres")


def test_unknown_target() -> None:
    with pytest.raises(ValueError, match="duckdb"):
        resolve_target("snowflake")
