"""DuckDB helpers shared by the connectors, the simulator and the warehouse: a connection with the
scanner extensions loaded from their PyPI packages, and safe identifiers and literals.

The scanner extensions ship as PyPI packages (duckdb-extension-postgres, -mysql, -sqlite); they
are installed once per DuckDB version into a cache folder and loaded from there, never downloaded.
Every connection is in memory: it never holds a DuckDB file open (one writer per file).
"""

from __future__ import annotations

import fcntl
import glob
import importlib
import os
import re
import tempfile
from pathlib import Path

import duckdb

_EXTENSIONS = {
    "postgres": "duckdb_extension_postgres",
    "mysql": "duckdb_extension_mysql",
    "sqlite": "duckdb_extension_sqlite",
    "spatial": "duckdb_extension_spatial",  # the warehouse's point-in-polygon (dbt plugin yiwang_spatial)
}
# Letters (ASCII or CJK), digits and underscores, not starting with a digit: what our contracts use.
_IDENTIFIER = re.compile(r"^[A-Za-z_\u3400-\u9fff][A-Za-z0-9_\u3400-\u9fff]{0,62}$")


class IdentifierError(ValueError):
    """A table or column name from configuration is not a plain identifier."""


def identifier(name: str) -> str:
    """`name` double-quoted for SQL after checking it is a plain identifier (never pasted raw)."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise IdentifierError(f"not a plain identifier: {name!r}")
    return '"' + name + '"'


def literal(value: str) -> str:
    """A SQL string literal (for the few statements that take no parameters, such as ATTACH)."""
    return "'" + str(value).replace("'", "''") + "'"


def table_exists(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> bool:
    """Whether `database.schema.table` exists (a table, not a view) in an attached DuckDB database."""
    row = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [database, schema, table],
    ).fetchone()
    return bool(row and row[0])


def _extension_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"yiwang-duckdb-extensions-{duckdb.__version__}"


def connect(
    *extensions: str,
    memory_limit: str = "1GB",
    temp_dir: Path | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the named scanner extensions loaded."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("set enable_progress_bar = false")  # the CLI draws its own; keep stdout clean
    con.execute(f"set memory_limit={literal(memory_limit)}")
    if threads:
        con.execute(f"set threads={int(threads)}")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"set temp_directory={literal(str(temp_dir))}")
    if extensions:
        load_extensions(con, *extensions)
    return con


def load_extensions(con: duckdb.DuckDBPyConnection, *extensions: str) -> None:
    """Load packaged extensions into any connection (also a file database's, such as dbt's)."""
    ext_dir = _extension_dir()
    ext_dir.mkdir(parents=True, exist_ok=True)
    con.execute(f"set extension_directory={literal(str(ext_dir))}")
    for name in extensions:
        try:
            con.execute(f"load {name}")
        except duckdb.Error:
            _install(con, name, ext_dir)


def _install(con: duckdb.DuckDBPyConnection, name: str, ext_dir: Path) -> None:
    """Install a packaged extension into the shared cache, one process at a time."""
    with open(ext_dir / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            con.execute(f"load {name}")  # another process may have installed it meanwhile
            return
        except duckdb.Error:
            pass
        package = importlib.import_module(_EXTENSIONS[name])
        folder = os.path.dirname(package.__file__)
        files = glob.glob(os.path.join(folder, "extensions", "*", f"{name}.duckdb_extension"))
        if not files:
            raise RuntimeError(f"DuckDB extension {name} is not installed (pip package {_EXTENSIONS[name]})")
        con.execute(f"install {literal(files[0])}")
        con.execute(f"load {name}")
