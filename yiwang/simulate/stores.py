"""Write rendered platform tables into the platforms' own stores.

- SQL platforms: a SQLite file each (the embedded default), or a database each on the real
  PostgreSQL or MariaDB server. Day 1 creates the tables from the contracts; later days
  apply only the difference (inserts, in-place updates, deletes), as the platforms do.
- Party building: a full CSV export (GBK, or GB18030 when a name needs it) and XLSX export
  per day in a drop folder, and the SQLite database behind its web API.
Identifiers are validated against the contracts and quoted by SQLAlchemy; values are always
bound parameters.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from yiwang.contracts import SourceTable
from yiwang.duckdb_connection import connect, identifier, literal
from yiwang.types import TYPES, sqlalchemy_type

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^[\u4e00-\u9fff]+$")
SQLITE_TYPES = {name: t.sqlite for name, t in TYPES.items()}


def _check_identifiers(table: SourceTable) -> None:
    for name in [table.table, *table.column_names]:
        if not _IDENT.match(name):
            raise ValueError(f"refusing identifier {name!r} from {table.path}: letters, digits and _ only")


def _python_rows(frame: pd.DataFrame, table: SourceTable, text_times: bool) -> list[tuple]:
    """Rows as tuples of plain Python values (None for missing), typed per the contract."""
    cols = []
    for c in table.columns:
        s = frame[c.name]
        if c.type == "timestamp":
            t = pd.to_datetime(s)
            v = t.dt.strftime("%Y-%m-%d %H:%M:%S") if text_times else t.dt.to_pydatetime()
            cols.append(np.where(t.isna(), None, np.asarray(v, dtype=object)))
        elif c.type == "integer":
            cols.append(np.where(s.isna(), None, s.astype("Int64").astype(object)))
        elif c.type == "float":
            cols.append(np.where(s.isna(), None, s.astype(float).astype(object)))
        elif c.type == "boolean":
            b = s.astype(object)
            cols.append(
                np.where(
                    s.isna(),
                    None,
                    (b.astype(bool).astype(int) if text_times else b.astype(bool)).astype(object),
                )
            )
        else:
            cols.append(np.where(pd.isna(s), None, s.astype(object)))
    return list(zip(*[c.tolist() for c in cols], strict=True)) if cols else []


def _sqlite_arrow(frame: pd.DataFrame, table: SourceTable) -> pa.Table:
    """The contract's columns typed as SQLite keeps them: times as 'YYYY-MM-DD HH:MM:SS' text."""
    arrays = {}
    for c in table.columns:
        s = frame[c.name]
        if c.type in ("timestamp", "date"):
            # a cast is 20x faster than pc.strftime and gives the same 'YYYY-MM-DD HH:MM:SS'
            t = pa.array(pd.to_datetime(s).dt.floor("s"), type=pa.timestamp("s"), from_pandas=True)
            arrays[c.name] = pc.cast(t if c.type == "timestamp" else t.cast(pa.date32()), pa.string())
        elif c.type in ("integer", "boolean"):
            arrays[c.name] = pa.array(
                pd.array(s, dtype="Int64") if c.type == "integer" else s.astype("boolean").astype("Int64"),
                type=pa.int64(),
            )
        elif c.type == "float":
            arrays[c.name] = pa.array(s.astype(float), type=pa.float64(), from_pandas=True)
        else:
            arrays[c.name] = pa.array(s.astype(object).where(s.notna(), None), type=pa.string(), from_pandas=True)
    return pa.table(arrays)


class SqlStore:
    """One platform's SQL database (SQLite file, or a database on PostgreSQL or MariaDB)."""

    def __init__(self, url: str):
        self.url = sa.make_url(url)
        self.dialect = self.url.get_backend_name()

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def create(self, table: SourceTable) -> None:
        _check_identifiers(table)
        if self.dialect == "sqlite":
            path = Path(self.url.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(path) as con:
                cols = ", ".join(f'"{c.name}" {SQLITE_TYPES[c.type]}' for c in table.columns)
                pk = ", ".join(f'"{k}"' for k in table.primary_key)
                con.execute(f'DROP TABLE IF EXISTS "{table.table}"')
                con.execute(f'CREATE TABLE "{table.table}" ({cols}, PRIMARY KEY ({pk}))')
            return
        engine = sa.create_engine(self.url)
        meta = sa.MetaData()
        sa.Table(
            table.table,
            meta,
            *[
                sa.Column(
                    c.name,
                    # indexed text needs a length on MariaDB: keys are VARCHAR(191) (utf8mb4)
                    sa.String(191)
                    if c.name in table.primary_key and c.type == "string"
                    else sqlalchemy_type(c.type),  # TEXT keeps wide MariaDB tables under its row-size limit
                    primary_key=c.name in table.primary_key,
                    nullable=c.name not in table.primary_key,
                    comment=c.chinese,
                )
                for c in table.columns
            ],
            comment=table.chinese,
        )
        with engine.begin() as conn:
            meta.drop_all(conn)
            meta.create_all(conn)
        engine.dispose()

    def insert(self, table: SourceTable, frame: pd.DataFrame, chunk: int = 50_000) -> None:
        if frame.empty:
            return
        _check_identifiers(table)
        names = table.column_names
        if self.dialect == "sqlite":
            self._insert_sqlite(table, frame)
            return
        engine = sa.create_engine(self.url)
        try:
            if self.dialect == "postgresql":
                self._copy_postgres(engine, table, frame, chunk)
            else:
                t = sa.Table(table.table, sa.MetaData(), autoload_with=engine)
                rows = _python_rows(frame, table, text_times=False)
                with engine.begin() as conn:
                    for i in range(0, len(rows), chunk):
                        conn.execute(
                            t.insert(),
                            [dict(zip(names, r, strict=True)) for r in rows[i : i + chunk]],
                        )
        finally:
            engine.dispose()

    def _insert_sqlite(self, table: SourceTable, frame: pd.DataFrame) -> None:
        """Bulk insert through DuckDB's sqlite extension (about 3x faster than executemany)."""
        con = connect("sqlite")
        try:
            con.execute(f"attach {literal(str(self.url.database))} as platform (type sqlite)")
            con.register("batch", _sqlite_arrow(frame, table))
            columns = ", ".join(identifier(n) for n in table.column_names)
            # identifier() validates and quotes every name; the rows come from the registered batch
            con.execute(f"insert into platform.{identifier(table.table)} ({columns}) select {columns} from batch")  # noqa: S608
        finally:
            con.close()

    @staticmethod
    def _copy_postgres(engine: sa.Engine, table: SourceTable, frame: pd.DataFrame, chunk: int) -> None:
        from psycopg import sql

        rows = _python_rows(frame, table, text_times=False)
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.table),
            sql.SQL(", ").join(sql.Identifier(n) for n in table.column_names),
        )
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur, cur.copy(stmt) as copy:
                for r in rows:
                    copy.write_row(r)
            raw.commit()
        finally:
            raw.close()

    def delete_keys(self, table: SourceTable, keys: pd.DataFrame) -> None:
        """Hard-delete rows by primary key (in place, no history: as the platforms do)."""
        if keys.empty:
            return
        _check_identifiers(table)
        pk = list(table.primary_key)
        values = [
            tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
            for row in keys[pk].itertuples(index=False)
        ]
        if self.dialect == "sqlite":
            cond = " AND ".join(f'"{k}" = ?' for k in pk)
            con = sqlite3.connect(self.url.database)
            try:
                with con:
                    # identifiers checked by _check_identifiers and quoted; values are bound parameters
                    con.executemany(f'DELETE FROM "{table.table}" WHERE {cond}', values)  # noqa: S608
            finally:
                con.close()
            return
        engine = sa.create_engine(self.url)
        t = sa.Table(table.table, sa.MetaData(), autoload_with=engine)
        stmt = t.delete().where(sa.and_(*[t.c[k] == sa.bindparam(f"k_{k}") for k in pk]))
        with engine.begin() as conn:
            conn.execute(stmt, [{f"k_{k}": v for k, v in zip(pk, row, strict=True)} for row in values])
        engine.dispose()


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A hash per row that treats None and NaN alike and ignores dtype differences."""
    parts = {}
    for c in columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s).dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        parts[c] = s.astype(object).where(s.notna(), None).astype(str)
    return pd.util.hash_pandas_object(pd.DataFrame(parts), index=False)


def diff(
    table: SourceTable, before: pd.DataFrame, after: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(inserted, updated, deleted-keys) between two renders of a table, by primary key."""
    pk, cols = list(table.primary_key), table.column_names
    b = before[cols].assign(_h=row_hashes(before, cols).to_numpy())
    a = after[cols].assign(_h=row_hashes(after, cols).to_numpy())
    m = a[[*pk, "_h"]].merge(b[[*pk, "_h"]], on=pk, how="outer", suffixes=("", "_before"), indicator=True)
    inserted_keys = m.loc[m._merge == "left_only", pk]
    updated_keys = m.loc[(m._merge == "both") & (m._h != m._h_before), pk]
    deleted_keys = m.loc[m._merge == "right_only", pk]
    inserted = after.merge(inserted_keys, on=pk)
    updated = after.merge(updated_keys, on=pk)
    return inserted, updated, deleted_keys


def export_csv(frame: pd.DataFrame, table: SourceTable, path: Path) -> str:
    """Write a CSV as the platform exports it; returns the encoding used.

    GBK (what Excel on a Chinese Windows saves) unless a value needs GB18030. Never lossy.
    """
    text = frame[table.column_names].to_csv(index=False, lineterminator="\r\n")
    try:
        data, encoding = text.encode("gbk"), "gbk"
    except UnicodeEncodeError:
        data, encoding = text.encode("gb18030"), "gb18030"
    _atomic_write(path, data)
    return encoding


def export_xlsx(frame: pd.DataFrame, table: SourceTable, path: Path, date_column: str | None = None) -> None:
    """Write an XLSX export; date-like values become real date cells, serial numbers stay text."""
    out = frame[table.column_names].copy()
    if date_column:
        parsed = pd.to_datetime(out[date_column], format="%Y/%m/%d", errors="coerce")
        out[date_column] = np.where(parsed.notna(), parsed.dt.date, out[date_column])
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name="党组织")
    tmp.replace(path)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
