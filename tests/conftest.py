"""Shared fixtures: real PostgreSQL and MariaDB databases, made fresh per test and dropped after.

When a server is missing the tests that need it skip locally, and fail when CI=true.
Servers: YIWANG_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
and YIWANG_TEST_MARIADB_URL (default mysql+pymysql://root@127.0.0.1:3306/mysql).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIADB_ADMIN_URL = os.environ.get("YIWANG_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")


def _server_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}; CI=true, so tests that need it fail instead of skipping")
    pytest.skip(message)


def _admin_engine(url: str, what: str) -> sa.Engine:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as error:  # any driver error means the server is not usable
        engine.dispose()
        _server_missing(what, error)
    return engine


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    admin = _admin_engine(POSTGRES_ADMIN_URL, "PostgreSQL")
    name = f"yiwang_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture
def mariadb_database() -> Iterator[str]:
    """URL of a new, empty MariaDB database (utf8mb4), dropped after the test."""
    admin = _admin_engine(MARIADB_ADMIN_URL, "MariaDB")
    name = f"yiwang_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"create database `{name}` character set utf8mb4 collate utf8mb4_bin"))
    try:
        url = admin.url.set(database=name).update_query_dict({"charset": "utf8mb4"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"drop database if exists `{name}`"))
        admin.dispose()


@pytest.fixture(autouse=True)
def _audit_key_outside_the_workspace(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """The sharing audit key and chain heads of the tests live in a folder of the test session,
    never in the user's ~/.config/yiwang (and outside every test's workspace)."""
    monkeypatch.setenv("YIWANG_AUDIT_DIR", str(tmp_path_factory.getbasetemp() / "audit-keyring"))
    monkeypatch.delenv("YIWANG_AUDIT_KEY", raising=False)
