"""Credentials by reference: an environment variable first, an Airflow connection inside Airflow.

A registry entry names where a secret lives (`{env: YIWANG_HOTLINE_URL, airflow_conn_id:
yiwang_hotline}`), never the secret. Airflow is imported lazily and only when the process runs
inside an Airflow task, so the connectors import and run without it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class CredentialRef:
    env: str | None = None
    airflow_conn_id: str | None = None

    @classmethod
    def parse(cls, raw: dict | None, where: str) -> CredentialRef:
        raw = raw or {}
        unknown = set(raw) - {"env", "airflow_conn_id"}
        if unknown:
            raise ValueError(
                f"{where}: credentials take env and airflow_conn_id, not {sorted(unknown)}"
                " (secrets themselves never go into the registry)"
            )
        return cls(env=raw.get("env"), airflow_conn_id=raw.get("airflow_conn_id"))


def running_in_airflow() -> bool:
    """True inside an Airflow task (Airflow exports the task context as AIRFLOW_CTX_*)."""
    return "AIRFLOW_CTX_DAG_ID" in os.environ


def where_to_set(ref: CredentialRef) -> str:
    """Where an operator puts a missing value: the env var and, inside Airflow, the connection."""
    places = [f"the environment variable {ref.env}"] if ref.env else []
    if ref.airflow_conn_id:
        places.append(f"the Airflow connection {ref.airflow_conn_id} (inside Airflow)")
    return " or ".join(places) or "a credentials reference in the table's tables.yml"


def _airflow_connection(conn_id: str, ref: CredentialRef):
    from airflow.sdk import Connection  # lazy: only inside Airflow

    try:
        return Connection.get(conn_id)
    except Exception as error:  # Airflow's not-found error type moves between versions
        raise LookupError(
            f"the Airflow connection {conn_id} cannot be read ({error.__class__.__name__}); set {where_to_set(ref)}"
        ) from None


_AIRFLOW_SCHEMES = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "sqlite": "sqlite",
}


def resolve_url(ref: CredentialRef, default: str | None) -> tuple[str, str]:
    """(value, where it came from) for a URL-like setting: env, Airflow connection, else default."""
    if ref.env and os.environ.get(ref.env):
        return os.environ[ref.env], f"env {ref.env}"
    if ref.airflow_conn_id and running_in_airflow():
        conn = _airflow_connection(ref.airflow_conn_id, ref)
        uri = conn.get_uri()
        scheme, _, rest = uri.partition("://")
        return f"{_AIRFLOW_SCHEMES.get(scheme, scheme)}://{rest}", f"airflow {ref.airflow_conn_id}"
    if default is None:
        raise LookupError(f"no source location configured: set {where_to_set(ref)}")
    return default, "default"


def resolve_secret(ref: CredentialRef, default: str | None = None) -> str | None:
    """A bare secret (an API token): env var, else the Airflow connection's password."""
    if ref.env and os.environ.get(ref.env):
        return os.environ[ref.env]
    if ref.airflow_conn_id and running_in_airflow():
        return _airflow_connection(ref.airflow_conn_id, ref).password or default
    return default


def redact_url(url: str) -> str:
    """A URL safe for messages and manifests: password hidden, query secrets dropped."""
    if "://" not in url:
        return url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a SQLAlchemy URL: hide userinfo by hand
        return re.sub(r"//[^/@]*@", "//***@", url)


# userinfo of any URL inside a text (scheme://user:secret@host) and libpq / ODBC style
# key=value secrets (password=..., PWD=...): what drivers put in their error messages
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"]*:)(?P<secret>[^\s@'\"]*)@")
_KEYWORD_SECRET = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd|pgpassword|api_key)\s*[=:]\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s'\",;&)]+)",
    re.IGNORECASE,
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` safe for a console, a log or a results file: every given secret, every URL's
    password and every `password=...` style value replaced by ***. The one redaction function:
    gates, builds, sharing and connectors all pass their messages through it."""
    text = str(text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _URL_PASSWORD.sub(lambda m: m["head"] + "***@", text)
    return _KEYWORD_SECRET.sub(lambda m: m["head"] + "***", text)
