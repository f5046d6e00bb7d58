"""`yiwang doctor`: each check against real servers and files, a failure exits 1 and says what to do,
and no secret is ever printed."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.doctor import FAIL, OK, WARN, diagnose

SECRET = "s3cr3t-pa55"


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path / "home"))
    for name in ("URBAN_MANAGEMENT", "HOTLINE", "GRID_PLATFORM", "PARTY_API", "WAREHOUSE_POSTGRES"):
        monkeypatch.delenv(f"YIWANG_{name}_URL", raising=False)
    monkeypatch.delenv("YIWANG_PARTY_API_TOKEN", raising=False)
    monkeypatch.delenv("YIWANG_TIMEZONE", raising=False)
    return tmp_path / "home"


def by_check(findings):
    return {f.check: f for f in findings}


def test_a_fresh_workspace_warns_and_names_the_next_step(workspace):
    found = by_check(diagnose())
    assert found["workspace (YIWANG_HOME)"].status == WARN
    assert found["hotline.db"].status == WARN and "yiwang simulate" in found["hotline.db"].fix
    assert not (workspace / "sources" / "hotline_12345.sqlite").exists()  # checking created nothing
    assert found["python"].status == OK and found["duckdb"].status == OK
    assert found["contracts (schemas/)"].status == OK


def test_reachable_servers_are_ok(workspace, monkeypatch, postgres_database, mariadb_database):
    sqlite_file = workspace / "sources" / "grid.sqlite"
    sqlite_file.parent.mkdir(parents=True)
    sqlite3.connect(sqlite_file).close()
    monkeypatch.setenv("YIWANG_URBAN_MANAGEMENT_URL", postgres_database)
    monkeypatch.setenv("YIWANG_HOTLINE_URL", mariadb_database)
    monkeypatch.setenv("YIWANG_GRID_PLATFORM_URL", f"sqlite:///{sqlite_file}")
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    found = by_check(diagnose())
    assert found["urban_management.db"].status == OK and "postgresql" in found["urban_management.db"].detail
    assert found["hotline.db"].status == OK and "mysql" in found["hotline.db"].detail
    assert found["grid_platform.db"].status == OK
    assert found["warehouse (postgres)"].status == OK


def test_an_unreachable_server_fails_without_showing_its_password(workspace, monkeypatch, postgres_database):
    closed = sa.make_url(postgres_database).set(port=1, password=SECRET)  # nothing listens on port 1
    monkeypatch.setenv("YIWANG_URBAN_MANAGEMENT_URL", closed.render_as_string(hide_password=False))
    monkeypatch.setenv("YIWANG_TIMEZONE", "Mars/Olympus")
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output
    found = {f["check"]: f for f in json.loads(result.output)}
    server = found["urban_management.db"]
    assert server["status"] == FAIL and server["fix"] == "start the server or correct the URL"
    assert found["time zone (YIWANG_TIMEZONE)"]["status"] == FAIL
    assert "IANA" in found["time zone (YIWANG_TIMEZONE)"]["detail"]


def test_a_real_api_without_its_token_fails(workspace, monkeypatch):
    monkeypatch.setenv("YIWANG_PARTY_API_URL", "http://api.party.example.invalid")
    found = by_check(diagnose())
    token = found["party_building.api token"]
    assert token.status == FAIL and "YIWANG_PARTY_API_TOKEN" in token.fix
    assert found["party_building.api"].status == FAIL  # a name that does not resolve


def test_the_table_names_every_area(workspace, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    for area in ("configuration", "credentials", "servers", "versions"):
        assert area in result.output
    assert "checks: 0 failed" in result.output
