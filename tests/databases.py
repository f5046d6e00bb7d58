"""Fresh databases on the test servers: the admin engines and a PostgreSQL database made for one
fixture (of any scope) and dropped after it. A missing server skips locally and fails with CI=true."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get("YIWANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIADB_ADMIN_URL = os.environ.get("YIWANG_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")


def server_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}; CI=true, so tests that need it fail instead of skipping")
    pytest.skip(message)


def admin_engine(url: str, what: str) -> sa.Engine:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as error:  # any driver error means the server is not usable
        engine.dispose()
        server_missing(what, error)
    return engine


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped on leaving (for fixtures of any scope)."""
    admin = admin_engine(POSTGRES_ADMIN_URL, "PostgreSQL")
    name = f"yiwang_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()
