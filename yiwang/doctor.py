"""`yiwang doctor` (体检): is this machine ready to run the pipeline?

Checks, in order, and says what to do about each problem: the configuration (workspace, time
zone, registry and contracts), credentials (present, never printed), the servers the run will
talk to (each platform's source, the PostgreSQL warehouse when configured) and the versions of
the libraries the pipeline relies on. A failed check makes the command exit 1; a warning does not.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from yiwang.settings import SUBDIRS, TIMEZONE_ENV, city_timezone, home, workspace_dir

OK, WARN, FAIL = "ok", "warn", "fail"
CONNECT_TIMEOUT_SECONDS = 3.0
MIN_FREE_BYTES = 2 * 2**30  # a tiny city's run needs well under this; a full city much more
# Libraries whose version decides behaviour (dbt 1.12 cannot be installed here; GX's SQL engine and
# DuckDB's extension packages are tied to exact minor versions).
PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "dbt-postgres",
    "apache-airflow",
    "great-expectations",
    "splink",
    "pandas",
    "pyarrow",
    "sqlalchemy",
)
DUCKDB_EXTENSIONS = (
    "duckdb-extension-postgres",
    "duckdb-extension-mysql",
    "duckdb-extension-sqlite",
    "duckdb-extension-spatial",
)


@dataclass(frozen=True)
class Finding:
    area: str  # configuration, credentials, servers, versions
    check: str
    status: str  # ok, warn, fail
    detail: str
    fix: str = ""  # what to do, when not ok


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def configuration() -> Iterator[Finding]:
    root = home().resolve()
    yield Finding(
        "configuration",
        "workspace (YIWANG_HOME)",
        OK if root.is_dir() else WARN,
        str(root),
        "" if root.is_dir() else "created by the first run; set YIWANG_HOME to keep it elsewhere",
    )
    for name in SUBDIRS:
        folder = workspace_dir(name).resolve()
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and not os.access(existing, os.W_OK):
            yield Finding(
                "configuration",
                f"{name}/ writable",
                FAIL,
                f"{folder}: {existing} is not writable",
                f"give this user write access or set YIWANG_{name.upper()}_DIR",
            )
    probe = next((p for p in (root, *root.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(probe).free
    yield Finding(
        "configuration",
        "free disk space",
        OK if free >= MIN_FREE_BYTES else WARN,
        f"{free / 2**30:,.1f} GB free on the filesystem of {probe}",
        "" if free >= MIN_FREE_BYTES else "free space or move the workspace (YIWANG_HOME)",
    )
    try:
        zone = city_timezone()
        yield Finding("configuration", f"time zone ({TIMEZONE_ENV})", OK, str(zone))
    except ValueError as error:
        yield Finding("configuration", f"time zone ({TIMEZONE_ENV})", FAIL, str(error), "set an IANA name")
    yield from _registry()


def _registry() -> Iterator[Finding]:
    from connectors.registry import RegistryError, load_registry
    from yiwang.contracts import ContractError, source_tables, warehouse_models

    try:
        tables, models = source_tables(), warehouse_models()
        yield Finding("configuration", "contracts (schemas/)", OK, f"{len(tables)} source tables, {len(models)} models")
    except ContractError as error:
        yield Finding("configuration", "contracts (schemas/)", FAIL, str(error), "fix the named schemas/ file")
        return
    try:
        registry = load_registry()
        count = sum(len(p.tables) for p in registry.values())
        yield Finding("configuration", "connectors (tables.yml)", OK, f"{len(registry)} platforms, {count} tables")
    except RegistryError as error:
        yield Finding("configuration", "connectors (tables.yml)", FAIL, str(error), "fix the named tables.yml")


def _where(value: str | None) -> str | None:
    return None if value is None else value.replace("{sources}", str(workspace_dir("sources").resolve()))


def connections() -> Iterator[Finding]:
    """Credentials present and each platform's source reachable, one finding each."""
    from connectors.credentials import redact_url, resolve_url, where_to_set
    from connectors.registry import RegistryError, load_registry

    try:
        registry = load_registry()
    except RegistryError:
        return  # reported under configuration
    for platform in registry.values():
        for name, conn in platform.connections.items():
            label = f"{platform.name}.{name} ({conn.kind})"
            try:
                location, origin = resolve_url(conn.credentials, _where(conn.default))
            except LookupError as error:
                yield Finding("credentials", label, FAIL, str(error), f"set {where_to_set(conn.credentials)}")
                continue
            yield Finding("credentials", label, OK, f"{redact_url(location)} (from {origin})")
            if conn.token is not None:
                yield _token(f"{platform.name}.{name} token", conn, simulated=origin == "default")
            yield _reach(f"{platform.name}.{name}", conn.kind, location)
    warehouse_url = os.environ.get("YIWANG_WAREHOUSE_POSTGRES_URL")
    if warehouse_url:
        yield _reach("warehouse (postgres)", "sql", warehouse_url)


def _token(label: str, conn, *, simulated: bool) -> Finding:
    from connectors.credentials import resolve_secret, where_to_set

    if resolve_secret(conn.token, conn.token_default):
        return Finding("credentials", label, OK, "present")
    fix = f"set {where_to_set(conn.token)}"
    if simulated:  # the embedded simulator's API: `yiwang run` and `yiwang demo` start it with a token
        return Finding("credentials", label, WARN, "missing (the simulated API gets one from `yiwang run`)", fix)
    return Finding("credentials", label, FAIL, "missing", fix)


def _reach(label: str, kind: str, location: str) -> Finding:
    from connectors.credentials import redact, redact_url

    shown = redact_url(location)
    try:
        if kind == "sql":
            detail = _reach_sql(location)
        elif kind in ("csv", "xlsx"):
            detail = _reach_folder(location)
        else:
            detail = _reach_http(location)
    except _NotThere as error:
        return Finding("servers", label, WARN, f"{shown}: {error}", error.fix)
    except Exception as error:  # any driver's error: the server is not usable as configured
        message = redact(f"{type(error).__name__}: {error}".splitlines()[0], location)
        return Finding("servers", label, FAIL, f"{shown}: {message}", "start the server or correct the URL")
    return Finding("servers", label, OK, f"{shown}: {detail}")


class _NotThere(Exception):
    """An embedded store that is not created yet: a warning with what to do, not a failure."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


def _reach_sql(url: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # connecting would create an empty file, hiding the problem
        if not parsed.database or not Path(parsed.database).is_file():
            raise _NotThere("no such SQLite file yet", "run `yiwang simulate` or point the URL at the source")
    arguments = {"connect_timeout": int(CONNECT_TIMEOUT_SECONDS)} if parsed.get_backend_name() != "sqlite" else {}
    engine = create_engine(parsed, connect_args=arguments)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
            return f"connected ({engine.dialect.name})"
    finally:
        engine.dispose()


def _reach_folder(location: str) -> str:
    folder = Path(location)
    if not folder.is_dir():
        raise _NotThere("no such folder yet", "run `yiwang simulate` or point the setting at the drop folder")
    if not os.access(folder, os.R_OK):
        raise PermissionError(f"{folder} is not readable")
    return f"{sum(1 for _ in folder.rglob('*') if _.is_file())} files"


def _reach_http(base_url: str) -> str:
    request = urllib.request.Request(base_url, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_SECONDS) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:  # it answered: reachable (the token is checked by the run)
        return f"HTTP {error.code}"
    except (TimeoutError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        if "127.0.0.1" in base_url or "localhost" in base_url:
            raise _NotThere(f"not answering ({reason})", "start it (`yiwang simulate serve`) or set the URL") from None
        raise ConnectionError(f"not answering: {reason}") from None


def versions() -> Iterator[Finding]:
    python = ".".join(map(str, sys.version_info[:3]))
    yield Finding(
        "versions",
        "python",
        OK if sys.version_info[:2] == (3, 11) else FAIL,
        python,
        "" if sys.version_info[:2] == (3, 11) else "use Python 3.11 (`make install`)",
    )
    for package in PACKAGES:
        found = _version(package)
        yield Finding(
            "versions",
            package,
            OK if found else FAIL,
            found or "not installed",
            "" if found else "run `make install`",
        )
    duckdb = _version("duckdb")
    for package in DUCKDB_EXTENSIONS:
        found = _version(package)
        matches = bool(found and duckdb and found.split(".")[:2] == duckdb.split(".")[:2])
        yield Finding(
            "versions",
            package,
            OK if matches else FAIL,
            f"{found or 'not installed'} for duckdb {duckdb}",
            "" if matches else "install the duckdb-extension packages of duckdb's minor version (`make install`)",
        )


def diagnose() -> list[Finding]:
    """Every check, in the order shown."""
    return [*configuration(), *connections(), *versions()]


MARKS = {OK: "[green]✓ ok", WARN: "[yellow]! warn", FAIL: "[red]✗ fail"}


def doctor_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON (for monitoring).")] = False,
) -> None:
    """Check this machine (体检): configuration, credentials, servers, versions; exit 1 on a failure."""
    findings = diagnose()
    failed = [f for f in findings if f.status == FAIL]
    if as_json:
        typer.echo(json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2))
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="yiwang doctor (体检)", show_lines=False)
        for column in ("area", "check", "status", "detail", "what to do"):
            table.add_column(column, overflow="fold")
        for f in findings:
            table.add_row(f.area, escape(f.check), MARKS[f.status], escape(f.detail), escape(f.fix))
        console = Console()
        console.print(table)
        warned = sum(f.status == WARN for f in findings)
        console.print(f"{len(findings)} checks: {len(failed)} failed, {warned} warnings")
    if failed:
        raise typer.Exit(1)
