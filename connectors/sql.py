"""SQL connector: any SQLAlchemy URL, read as a stream of Arrow batches.

SQLite, PostgreSQL and MySQL/MariaDB are read through DuckDB's scanner extensions, which move
data column-wise into Arrow with no Python per row; the cursor bound is a bound parameter and
table and column names are validated and quoted identifiers. SQLite columns are read as text
(`sqlite_all_varchar`) because legacy SQLite stores hold whatever was typed; the landing writer
casts to the contract type and quarantines what does not fit. Other SQLAlchemy dialects fall back
to SQLAlchemy with server-side cursors, converted to Arrow a batch at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from connectors.base import SourceError, SourceRead, Unit
from connectors.credentials import redact, redact_url
from yiwang import duckdb_connection as _duckdb
from yiwang.contracts import SourceTable

_FAST = {
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}


def _libpq_value(value: Any) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _attach_string(url: URL, kind: str) -> str:
    if kind == "sqlite":
        if not url.database or url.database == ":memory:":
            raise SourceError(f"{redact_url(str(url))}: a SQLite source needs a file")
        if not Path(url.database).is_file():
            # a store being copied in or a share not mounted yet: a later run may find it
            raise SourceError(f"SQLite store {url.database} does not exist", kind="transient")
        return url.database
    parts = {
        "host": url.host or "127.0.0.1",
        "port": url.port,
        "user": url.username,
        "password": url.password,
    }
    parts["dbname" if kind == "postgres" else "database"] = url.database
    if kind == "mysql":
        for value in parts.values():
            if value is not None and any(c in str(value) for c in " '\"\\="):
                raise SourceError("MySQL connection values may not hold spaces, quotes or '='")
        return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)
    return " ".join(f"{k}={_libpq_value(v)}" for k, v in parts.items() if v is not None)


class SqlSource:
    """One SQL database; tables are read with `read(unit)` for a given contract."""

    def __init__(
        self,
        url: str,
        contract: SourceTable,
        batch_size: int = 50_000,
        schema: str | None = None,
        cursor_format: str = "%Y-%m-%d %H:%M:%S",
    ):
        self.url = make_url(url)
        self.password = self.url.password
        self.description = redact_url(url)
        self.contract = contract
        self.batch_size = batch_size
        self.cursor_format = contract.column(contract.cursor).format if contract.cursor else None
        self.cursor_format = self.cursor_format or cursor_format
        backend = self.url.get_backend_name()
        self.kind = _FAST.get(backend)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._engine: sa.Engine | None = None
        if self.kind == "postgres":
            self.schema = schema or "public"
        elif self.kind == "mysql":
            self.schema = self.url.database
        elif self.kind == "sqlite":
            self.schema = "main"
        else:
            self.schema = schema
        self._table = _duckdb.identifier(contract.table)

    # -- connection ---------------------------------------------------------------------------
    def _error(self, what: str, error: Exception, transient: bool = True) -> SourceError:
        message = redact(
            f"{self.contract.qualified_name} from {self.description}: {what}: {error.__class__.__name__}: {error}",
            self.password,
        )
        return SourceError(message, transient=transient)

    def _duck(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            con = _duckdb.connect(self.kind, memory_limit="256MB")
            try:
                if self.kind == "sqlite":
                    con.execute("set sqlite_all_varchar=true")
                if self.kind == "mysql":
                    con.execute("set mysql_experimental_filter_pushdown=true")
                attach = _attach_string(self.url, self.kind)
                con.execute(f"attach {_duckdb.literal(attach)} as src (type {self.kind}, read_only)")
            except SourceError:
                con.close()
                raise
            except duckdb.Error as error:
                con.close()
                raise self._error("cannot connect", error) from None
            self._con = con
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- reading ------------------------------------------------------------------------------
    def units(self, since: Any, taken_files: dict[str, str], full: bool) -> list[Unit]:
        if full or since is None:
            return [Unit(label="full", since=None, snapshot=True)]
        return [Unit(label="window", since=since)]

    def _relation(self) -> str:
        return f"src.{_duckdb.identifier(self.schema)}.{self._table}"

    def source_schema(self) -> pa.Schema:
        con = self._duck()
        try:
            rows = con.execute(
                "select column_name from duckdb_columns() where database_name = 'src' "
                "and schema_name = ? and table_name = ? order by column_index",
                [self.schema, self.contract.table],
            ).fetchall()
            if not rows:
                raise SourceError(
                    f"{self.contract.qualified_name}: table {self.contract.table!r} not found in {self.description}"
                )
            cols = ", ".join(_duckdb.identifier(r[0]) for r in rows)
            return (
                con.execute(f"select {cols} from {self._relation()} limit 0")  # noqa: S608
                .to_arrow_table()
                .schema
            )
        except duckdb.Error as error:
            raise self._error("cannot read the table's columns", error) from None

    def _bound(self, schema: pa.Schema, since: Any) -> Any:
        """The cursor bound in the source column's type (text on SQLite, timestamp elsewhere)."""
        column_type = schema.field(self.contract.cursor).type
        if isinstance(since, datetime) and pa.types.is_string(column_type):
            return since.strftime(self.cursor_format)
        if isinstance(since, str) and pa.types.is_timestamp(column_type):
            return datetime.strptime(since, self.cursor_format)
        return since

    def read(self, unit: Unit) -> SourceRead:
        if self.kind is None:
            return self._read_sqlalchemy(unit)
        schema = self.source_schema()
        cols = ", ".join(_duckdb.identifier(n) for n in schema.names)
        where, params = "", []
        if unit.since is not None:
            where = f" where {_duckdb.identifier(self.contract.cursor)} >= ?"
            params = [self._bound(schema, unit.since)]
        con = self._duck()
        try:
            count = con.execute(
                f"select count(*) from {self._relation()}{where}",  # noqa: S608
                params,
            ).fetchone()[0]
            reader = con.execute(
                f"select {cols} from {self._relation()}{where}",  # noqa: S608
                params,
            ).fetch_record_batch(self.batch_size)
        except duckdb.Error as error:
            raise self._error("query failed", error) from None
        return SourceRead(schema=reader.schema, batches=self._guard(reader), window_count=count)

    def _guard(self, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except (duckdb.Error, pa.ArrowException, OSError) as error:
            raise self._error("reading failed halfway", error) from None

    # -- fallback for other dialects ------------------------------------------------------------
    def _read_sqlalchemy(self, unit: Unit) -> SourceRead:
        if self._engine is None:
            self._engine = sa.create_engine(self.url)
        try:
            meta = sa.MetaData()
            table = sa.Table(self.contract.table, meta, autoload_with=self._engine, schema=self.schema)
        except sa.exc.SQLAlchemyError as error:
            raise self._error("cannot read the table's columns", error) from None
        query = sa.select(table)
        count_query = sa.select(sa.func.count()).select_from(table)
        if unit.since is not None:
            condition = table.c[self.contract.cursor] >= sa.bindparam("since", unit.since)
            query, count_query = query.where(condition), count_query.where(condition)
        names = [c.name for c in table.columns]

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                with self._engine.connect() as conn:
                    result = conn.execution_options(stream_results=True).execute(query)
                    for rows in result.partitions(self.batch_size):
                        columns = list(zip(*rows, strict=True))
                        yield pa.RecordBatch.from_arrays(
                            [pa.array(c, type=pa.string()) if _textual(c) else pa.array(c) for c in columns],
                            names=names,
                        )
            except sa.exc.SQLAlchemyError as error:
                raise self._error("reading failed halfway", error) from None

        try:
            with self._engine.connect() as conn:
                count = conn.execute(count_query).scalar_one()
        except sa.exc.SQLAlchemyError as error:
            raise self._error("cannot connect", error) from None
        schema = pa.schema([(n, pa.string()) for n in names])
        first = None
        stream = batches()
        with contextlib.suppress(StopIteration):
            first = next(stream)
        if first is not None:
            schema = first.schema

        def chained() -> Iterator[pa.RecordBatch]:
            if first is not None:
                yield first
                yield from stream

        return SourceRead(schema=schema, batches=chained(), window_count=count)


def _textual(values: tuple) -> bool:
    return any(isinstance(v, str) for v in values)
