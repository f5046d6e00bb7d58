"""Credentials are references: env first, Airflow only inside Airflow (imported lazily), redacted."""

from __future__ import annotations

import subprocess
import sys

from connectors.credentials import CredentialRef, redact, redact_url, resolve_secret, resolve_url


def test_env_first_then_default(monkeypatch) -> None:
    ref = CredentialRef(env="YIWANG_TEST_SOURCE_URL", airflow_conn_id="yiwang_test")
    monkeypatch.delenv("YIWANG_TEST_SOURCE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    assert resolve_url(ref, "sqlite:///x.sqlite") == ("sqlite:///x.sqlite", "default")
    monkeypatch.setenv("YIWANG_TEST_SOURCE_URL", "postgresql+psycopg://u:pw@h/db")
    assert resolve_url(ref, "sqlite:///x.sqlite") == ("postgresql+psycopg://u:pw@h/db", "env YIWANG_TEST_SOURCE_URL")
    monkeypatch.setenv("YIWANG_TEST_TOKEN", "t0k")
    assert resolve_secret(CredentialRef(env="YIWANG_TEST_TOKEN")) == "t0k"


def test_airflow_is_not_imported_outside_airflow() -> None:
    code = (
        "import sys\n"
        "from connectors import load_registry, extract\n"
        "from connectors.credentials import CredentialRef, resolve_url\n"
        "resolve_url(CredentialRef(env='NOPE', airflow_conn_id='x'), 'sqlite:///x')\n"
        "assert not any(m == 'airflow' or m.startswith('airflow.') for m in sys.modules), 'airflow imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_secrets_are_redacted() -> None:
    assert "s3cr3t" not in redact_url("postgresql+psycopg://etl:s3cr3t@db:5432/hotline")
    assert redact("connect failed for s3cr3t@db", "s3cr3t") == "connect failed for ***@db"


def test_passwords_inside_driver_messages_are_redacted() -> None:
    # the shapes drivers and DuckDB's postgres extension quote in their errors
    libpq = 'Unable to connect to Postgres at "host=h port=5432 user=u dbname=d password=pw1 sslmode=x": FATAL'
    assert (
        redact(libpq)
        == 'Unable to connect to Postgres at "host=h port=5432 user=u dbname=d password=*** sslmode=x": FATAL'
    )
    assert "pw 2" not in redact("dsn: password='pw 2' host=h")
    assert redact("postgresql+psycopg://u:pw3@h:5432/db failed") == "postgresql+psycopg://u:***@h:5432/db failed"
    assert redact("Server=h;PWD=pw4;Database=d") == "Server=h;PWD=***;Database=d"
    assert redact("mysql+pymysql://root@127.0.0.1/x") == "mysql+pymysql://root@127.0.0.1/x"  # no password: unchanged


def test_a_missing_value_names_the_variable_and_the_connection(monkeypatch) -> None:
    import pytest

    monkeypatch.delenv("YIWANG_TEST_SOURCE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    ref = CredentialRef(env="YIWANG_TEST_SOURCE_URL", airflow_conn_id="yiwang_test")
    with pytest.raises(LookupError) as error:
        resolve_url(ref, None)
    assert "environment variable YIWANG_TEST_SOURCE_URL" in str(error.value)
    assert "Airflow connection yiwang_test" in str(error.value)
