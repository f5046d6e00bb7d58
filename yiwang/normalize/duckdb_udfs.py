"""DuckDB scalar functions over the normalisers (Arrow-vectorised Python UDFs).

`register_duckdb_udfs(con)` adds normalize_text, the ID number, credit code, phone, name,
address-key, sex and date functions for VARCHAR input; each runs the column function over a
whole Arrow chunk, NULL passes through. The list with return types: docs/normalize.md
("Design notes per module", `duckdb_udfs`).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from yiwang.normalize._vector import result_schema
from yiwang.normalize.address import parse_addresses
from yiwang.normalize.credit_code import parse_credit_codes
from yiwang.normalize.dates import parse_datetimes
from yiwang.normalize.identity import IdNumberResult, parse_id_numbers
from yiwang.normalize.names import parse_person_names
from yiwang.normalize.phone import parse_phones
from yiwang.normalize.sex import decode_sexes
from yiwang.normalize.text import normalize_text
from yiwang.types import duckdb_type_of_arrow


def _column(parse: Callable[[pa.Array], pa.Table], name: str) -> Callable[[pa.Array], pa.Array]:
    def udf(values: pa.ChunkedArray | pa.Array) -> pa.Array:
        return parse(values).column(name).combine_chunks()

    return udf


def _text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pa.array([normalize_text(v) for v in values.to_pylist()], pa.string())


def _id_struct(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    table = parse_id_numbers(values)
    return pa.StructArray.from_arrays(
        [table.column(n).combine_chunks() for n in table.column_names], names=table.column_names
    )


def _struct_type(schema: pa.Schema) -> str:
    return "STRUCT(" + ", ".join(f"{f.name} {duckdb_type_of_arrow(f.type)}" for f in schema) + ")"


def register_duckdb_udfs(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Register the normalisers on a DuckDB connection (see the module docstring)."""
    functions: list[tuple[str, Callable, str]] = [
        ("normalize_text", _text, "VARCHAR"),
        ("normalize_id_number", _column(parse_id_numbers, "id_number"), "VARCHAR"),
        ("id_number_is_valid", _column(parse_id_numbers, "is_valid"), "BOOLEAN"),
        ("id_number_reason", _column(parse_id_numbers, "reason"), "VARCHAR"),
        ("parse_id_number", _id_struct, _struct_type(result_schema(IdNumberResult))),
        ("normalize_credit_code", _column(parse_credit_codes, "credit_code"), "VARCHAR"),
        ("credit_code_is_valid", _column(parse_credit_codes, "is_valid"), "BOOLEAN"),
        ("normalize_phone", _column(parse_phones, "phone"), "VARCHAR"),
        ("phone_kind", _column(parse_phones, "kind"), "VARCHAR"),
        ("normalize_person_name", _column(parse_person_names, "name"), "VARCHAR"),
        ("person_name_pinyin_key", _column(parse_person_names, "pinyin_key"), "VARCHAR"),
        ("person_name_phonetic_key", _column(parse_person_names, "phonetic_key"), "VARCHAR"),
        ("standard_address_key", _column(parse_addresses, "address_key"), "VARCHAR"),
        ("decode_sex", _column(decode_sexes, "sex"), "VARCHAR"),
        ("parse_date", _column(parse_datetimes, "date"), "DATE"),
    ]
    for name, func, return_type in functions:
        con.create_function(name, func, ["VARCHAR"], return_type, type="arrow", null_handling="special")
    return con


__all__ = ["register_duckdb_udfs"]
