"""Superset for yiwang, natively: its own virtualenv (.venv-bi, pinned by
docker/superset/requirements.txt, apart from yiwang's uv.lock), the read-only role on the
warehouse, and docker/superset/bootstrap.sh (the docker stack's very start) run with a
workspace under var/bi: metadata in SQLite, the secret key and the admin password kept there.

`make bi` and tests/yiwang/bi/test_superset.py both go through here."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SUPERSET_DIR = ROOT / "docker" / "superset"
REQUIREMENTS = SUPERSET_DIR / "requirements.txt"
BOOTSTRAP = SUPERSET_DIR / "bootstrap.sh"
DASHBOARDS = SUPERSET_DIR / "dashboards"
BI_ROLE = "yiwang_reader"  # the login role Superset reads the warehouse with (as in the docker stack)
BI_SCHEMA = "marts"  # the only schema it may use: staging, resolution, quality hold raw PII
SUPERSET_PYTHON = "3.11"


class BIError(RuntimeError):
    """Superset could not be set up or started; the message says which step and why."""


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def _requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def ensure_env(venv: Path | None = None) -> Path:
    """Create or update Superset's virtualenv from the pinned requirements; returns its bin/.

    A marker holds the requirements' digest, so an unchanged env costs nothing and a changed pin
    reinstalls (uv's cache makes that quick)."""
    venv = venv or Path(os.environ.get("YIWANG_BI_VENV", ROOT / ".venv-bi"))
    marker = venv / ".requirements.sha256"
    digest = _requirements_digest()
    if marker.exists() and marker.read_text().strip() == digest and (venv / "bin" / "superset").exists():
        return venv / "bin"
    steps = [
        [*_uv(), "venv", "--quiet", "--allow-existing", "--python", SUPERSET_PYTHON, str(venv)],
        [*_uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", str(REQUIREMENTS)],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BIError(f"Superset's environment: {' '.join(step[:3])} failed:\n{proc.stderr[-3000:]}")
    marker.write_text(digest + "\n")
    return venv / "bin"


def grant_reader(owner_conninfo: str, role: str = BI_ROLE, password: str | None = None) -> None:
    """Create (or update) the login `role` that reads the marts only, on the warehouse database.

    Usage on schema marts and select on its tables; default privileges for tables created later
    in the live marts; every session read-only. Write-audit-publish swaps whole schemas, and
    the swap carries the live schema's grants over to the new one (store/postgres_schema.py)."""
    ident = sql.Identifier(role)
    with psycopg.connect(owner_conninfo, autocommit=True) as conn:
        database = conn.execute("select current_database()").fetchone()[0]
        if not conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone():
            try:
                conn.execute(sql.SQL("create role {} login").format(ident))
            except psycopg.errors.DuplicateObject:  # created meanwhile by a concurrent setup
                pass
        if password is not None:
            conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(password)))
        statements = [
            "grant connect on database {db} to {role}",
            "grant usage on schema {schema} to {role}",
            "grant select on all tables in schema {schema} to {role}",
            "alter default privileges in schema {schema} grant select on tables to {role}",
            "alter role {role} in database {db} set default_transaction_read_only = on",
        ]
        names = {"db": sql.Identifier(database), "role": ident, "schema": sql.Identifier(BI_SCHEMA)}
        for statement in statements:
            conn.execute(sql.SQL(statement).format(**names))


def reader_url(warehouse_url: str, role: str = BI_ROLE, password: str | None = None) -> str:
    """The SQLAlchemy URL Superset connects with: the warehouse's host and database, as `role`,
    with psycopg2 (the driver Superset's environment has)."""
    url = sa.make_url(warehouse_url)
    url = url.set(drivername="postgresql+psycopg2", username=role, password=password)
    return url.render_as_string(hide_password=False)


@dataclass
class SupersetSettings:
    """Where one Superset keeps its state and how it is reached."""

    workspace: Path  # metadata (SQLite), secret key, admin password
    reader_url: str
    port: int = 8088
    host: str = "127.0.0.1"
    admin_password: str | None = None  # None: the one kept in the workspace, else a new random one
    workers: int = 1

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def kept_secret(self, name: str, given: str | None) -> str:
        """A secret given, or the one kept in the workspace, or a new random one kept there."""
        path = self.workspace / name
        if given is not None:
            return given
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(24)
        path.write_text(value + "\n")
        path.chmod(0o600)
        return value

    def environment(self, bin_dir: Path) -> dict[str, str]:
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.admin_password = self.kept_secret("admin_password", self.admin_password)
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(bin_dir.parent),
            "SUPERSET_CONFIG_PATH": str(SUPERSET_DIR / "superset_config.py"),
            "SUPERSET_HOME": str(self.workspace),
            "SUPERSET_SECRET_KEY": self.kept_secret("secret_key", os.environ.get("SUPERSET_SECRET_KEY")),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.workspace / 'superset.db'}",
            "SUPERSET_ADMIN_PASSWORD": self.admin_password,
            "YIWANG_WAREHOUSE_READER_URL": self.reader_url,
            "YIWANG_DASHBOARDS_DIR": str(DASHBOARDS),
            "SUPERSET_BIND": f"{self.host}:{self.port}",
            "SUPERSET_WORKERS": str(self.workers),
        }
        env.pop("PYTHONPATH", None)  # yiwang's own packages must not leak into Superset's env
        return env


def start(settings: SupersetSettings, bin_dir: Path, log: Path | None = None) -> subprocess.Popen:
    """Run bootstrap.sh (migrate, admin, import, database URI, serve) in the background."""
    env = settings.environment(bin_dir)
    if log is None:
        return subprocess.Popen(["bash", str(BOOTSTRAP)], env=env, start_new_session=True)
    with open(log, "ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            ["bash", str(BOOTSTRAP)], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_healthy(settings: SupersetSettings, process: subprocess.Popen, timeout: float = 240) -> None:
    """Wait for Superset's /health to answer OK; fail early if bootstrap.sh exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BIError(f"Superset's bootstrap exited with code {process.returncode} before serving")
        try:
            with urllib.request.urlopen(f"{settings.base_url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise BIError(f"Superset did not answer on {settings.base_url}/health within {timeout:.0f}s")
