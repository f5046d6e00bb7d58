"""Builders for real source stores made from the contracts (no mocks).

Tables are created in real SQLite, PostgreSQL and MariaDB databases with the contract's columns,
files are written in the encodings the platforms use, the API store is what the real server reads.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.registry import TableConfig, load_registry
from yiwang.contracts import SourceTable, source_table


def table_config(platform: str, table: str, **changes: Any) -> TableConfig:
    from dataclasses import replace

    cfg = load_registry()[platform].tables[table]
    return replace(cfg, **changes) if changes else cfg


def _sa_type(column, dialect: str, key: bool):
    if column.type == "string":
        return sa.String(64) if key else sa.Text()
    if column.type == "timestamp":
        return sa.Text() if dialect == "sqlite" else sa.DateTime()
    return {
        "integer": sa.BigInteger(),
        "float": sa.Float(53),
        "boolean": sa.Boolean(),
        "date": sa.Date(),
    }[column.type]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def create_table(
    url: str,
    contract: SourceTable,
    rows: Iterable[dict] = (),
    extra_columns: dict[str, Any] | None = None,
) -> None:
    """Create the contract's table (plus extra columns) in a real database and insert rows."""
    engine = sa.create_engine(url)
    dialect = engine.dialect.name
    meta = sa.MetaData()
    columns = [
        sa.Column(
            c.name,
            _sa_type(c, dialect, c.name in contract.primary_key),
            primary_key=c.name in contract.primary_key,
        )
        for c in contract.columns
    ]
    columns += [sa.Column(n, t) for n, t in (extra_columns or {}).items()]
    sa.Table(contract.table, meta, *columns)
    meta.create_all(engine)
    insert_rows(url, contract.table, rows, engine)
    engine.dispose()


def insert_rows(url: str, table: str, rows: Iterable[dict], engine: sa.Engine | None = None) -> None:
    own = engine is None
    engine = engine or sa.create_engine(url)
    meta = sa.MetaData()
    t = sa.Table(table, meta, autoload_with=engine)
    rows = list(rows)
    if engine.dialect.name == "sqlite":
        rows = [{k: _sqlite_value(v) for k, v in r.items()} for r in rows]
    if rows:
        with engine.begin() as conn:
            conn.execute(t.insert(), rows)
    if own:
        engine.dispose()


def execute(url: str, statement: str, **params: Any) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def workorders(n: int, start: datetime, **overrides: Any) -> list[dict]:
    """Hotline work orders (t_gd_workorder) with cursor gxsj = start + i minutes."""
    from datetime import timedelta

    rows = []
    for i in range(n):
        row = {c.name: None for c in source_table("hotline", "t_gd_workorder").columns}
        row |= {
            "gdbh": f"GD{i:06d}",
            "ldrxm": "张喆",
            "ldhm": "13800138000",
            "zjhm": "33060219800101123X",
            "qd": "电话",
            "sqnr": f"诉求{i}",
            "sqlx": 3,
            "slsj": start,
            "gdzt": "10",
            "sfsc": 0,
            "gxsj": start + timedelta(minutes=i),
        }
        rows.append(row | overrides)
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))  # strict: fails on unencodable text
    return path


def make_api_db(path: Path, contacts: list[dict], records: list[dict] = ()) -> Path:
    """The API's SQLite file, columns exactly as the contracts (booleans as 0/1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    for table, rows in (("household_contacts", contacts), ("volunteer_records", records)):
        contract = source_table("party_building", table)
        types = {"integer": "INTEGER", "float": "REAL", "boolean": "INTEGER"}
        cols = ", ".join(f'"{c.name}" {types.get(c.type, "TEXT")}' for c in contract.columns)
        con.execute(f'create table if not exists "{table}" ({cols})')
        con.execute(f'delete from "{table}"')
        names = contract.column_names
        con.executemany(
            f'insert into "{table}" values ({", ".join("?" * len(names))})',
            [[_sqlite_value(r.get(n)) for n in names] for r in rows],
        )
    con.commit()
    con.close()
    return path


def contact(i: int, updated: str, deleted: bool = False, **overrides: Any) -> dict:
    return {
        "id": i,
        "memberNo": f"DY{i:05d}",
        "memberName": "李堃",
        "householdName": "王赟",
        "householdIdCard": "330602195001011234",
        "householdPhone": "0575-88888888",
        "householdAddress": "越城区某小区3幢2单元301室",
        "contactSince": "2023-05-01",
        "isDeleted": deleted,
        "updatedAt": updated,
    } | overrides


def check_platform_config(platform_name: str) -> None:
    """A platform's tables.yml loads, covers every contract table, and its modes fit the contracts."""
    from yiwang.contracts import source_platforms

    platform = load_registry()[platform_name]
    contracts = source_platforms()[platform_name].tables
    assert set(platform.tables) == set(contracts)
    for name, cfg in platform.tables.items():
        assert cfg.contract is contracts[name]
        assert cfg.contract.primary_key
        if cfg.mode == "incremental":
            assert cfg.contract.cursor and cfg.lookback is not None
        if cfg.contract.delete_style == "hard":
            assert cfg.mode in ("snapshot", "file_drop") and cfg.delete_detection == "diff"


def check_platform_credentials(platform_name: str) -> None:
    """Credentials are references (YIWANG_ env vars) with working, secret-free defaults."""
    from connectors.sources import expand_location

    for conn in load_registry()[platform_name].connections.values():
        assert conn.credentials.env and conn.credentials.env.startswith("YIWANG_")
        assert conn.default and "password" not in conn.default
        assert "{sources}" not in expand_location(conn.default)
