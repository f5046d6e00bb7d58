"""DuckDB scalar functions over the normalisers (Arrow-vectorised Python UDFs).

`register_duckdb_udfs(con)` adds, for VARCHAR input:

================================ =========== ===============================================
normalize_text(x)                VARCHAR     `normalize_text`
normalize_id_number(x)           VARCHAR     18-character number, NULL when invalid
id_number_is_valid(x)            BOOLEAN
id_number_reason(x)              VARCHAR     reason code, NULL when valid
parse_id_number(x)               STRUCT      every field of `IdNumberResult`
normalize_credit_code(x)         VARCHAR
credit_code_is_valid(x)          BOOLEAN
normalize_phone(x)               VARCHAR     canonical mobile / 0AREA-LOCAL / service number
phone_kind(x)                    VARCHAR     mobile, landline, service, invalid
normalize_person_name(x)         VARCHAR     NULL for masked and placeholder names
person_name_pinyin_key(x)        VARCHAR
person_name_phonetic_key(x)      VARCHAR
standard_address_key(x)          VARCHAR     `address_key` of the raw address
decode_sex(x)                    VARCHAR     GB/T 2261.1 code
parse_date(x)                    DATE
================================ =========== ===============================================

Each UDF receives a whole Arrow chunk (DuckDB's vector of up to 2,048 rows) and runs the
column-level function, so the fast paths and the per-chunk de-duplication apply. NULL input
is passed through (most functions return NULL for it; the validity flags return false).
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
