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
from databases import MARIADB_ADMIN_URL, admin_engine, new_postgres_database

# a publish writes its dbt docs site (about 20 s of a tiny city's publish); the suite publishes
# dozens of times, so only the docs tests (tests/yiwang/warehouse/test_dbt_docs_site.py) turn it on
os.environ["YIWANG_DBT_DOCS"] = "off"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (in their collection order): the workers start on the long ones and
    finish on the short ones, instead of one worker running a long test alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture
def mariadb_database() -> Iterator[str]:
    """URL of a new, empty MariaDB database (utf8mb4), dropped after the test."""
    admin = admin_engine(MARIADB_ADMIN_URL, "MariaDB")
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
