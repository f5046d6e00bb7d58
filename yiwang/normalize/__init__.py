"""Normalisers for identifiers and text from the legacy platforms (标准化), run before entity
resolution. Every scalar function takes one raw cell and never raises: bad input gives a null
normalised value and a reason code. Every plural function takes a column (pandas Series,
Arrow array, numpy array or list) and returns an Arrow table with one row per input value;
`normalize_column` returns the same as a pandas DataFrame aligned to the input's index.
`register_duckdb_udfs` makes the main ones callable from SQL. See docs/normalize.md.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from yiwang.normalize._vector import ArrayLike, table_to_frame, to_index
from yiwang.normalize.address import (
    AddressParts,
    address_key,
    parse_address,
    parse_addresses,
    standard_address_key,
)
from yiwang.normalize.credit_code import (
    CreditCodeResult,
    normalize_credit_code,
    parse_credit_code,
    parse_credit_codes,
)
from yiwang.normalize.dates import (
    DateTimeResult,
    day_month_swap_candidates,
    excel_serial_to_datetime,
    local_to_utc,
    local_to_utc_series,
    parse_date,
    parse_datetime,
    parse_datetimes,
)
from yiwang.normalize.duckdb_udfs import register_duckdb_udfs
from yiwang.normalize.identity import (
    IdNumberResult,
    is_valid_id_number,
    lookup_division,
    normalize_id_number,
    parse_id_number,
    parse_id_numbers,
    upgrade_15_to_18,
)
from yiwang.normalize.names import (
    PersonNameResult,
    normalize_person_name,
    parse_person_name,
    parse_person_names,
    phonetic_key,
)
from yiwang.normalize.phone import PhoneResult, normalize_phone, parse_phone, parse_phones
from yiwang.normalize.sex import (
    SEX_CODES,
    SexResult,
    check_sex_against_id,
    decode_sex,
    decode_sexes,
)
from yiwang.normalize.text import normalize_text

_COLUMN_PARSERS = {
    "id_number": parse_id_numbers,
    "credit_code": parse_credit_codes,
    "phone": parse_phones,
    "person_name": parse_person_names,
    "address": parse_addresses,
    "sex": decode_sexes,
    "datetime": parse_datetimes,
}


def normalize_column(kind: str, values: ArrayLike, **options: Any) -> pd.DataFrame:
    """Normalise a whole column; `kind` is one of id_number, credit_code, phone, person_name,
    address, sex, datetime. Options go to the plural function (e.g. default_area_code)."""
    try:
        parse = _COLUMN_PARSERS[kind]
    except KeyError:
        expected = sorted(_COLUMN_PARSERS)
        raise ValueError(f"unknown kind {kind!r}; expected one of {expected}") from None
    return table_to_frame(parse(values, **options), to_index(values))


__all__ = [
    "SEX_CODES",
    "AddressParts",
    "CreditCodeResult",
    "DateTimeResult",
    "IdNumberResult",
    "PersonNameResult",
    "PhoneResult",
    "SexResult",
    "address_key",
    "check_sex_against_id",
    "day_month_swap_candidates",
    "decode_sex",
    "decode_sexes",
    "excel_serial_to_datetime",
    "is_valid_id_number",
    "local_to_utc",
    "local_to_utc_series",
    "lookup_division",
    "normalize_column",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_person_name",
    "normalize_phone",
    "normalize_text",
    "parse_address",
    "parse_addresses",
    "parse_credit_code",
    "parse_credit_codes",
    "parse_date",
    "parse_datetime",
    "parse_datetimes",
    "parse_id_number",
    "parse_id_numbers",
    "parse_person_name",
    "parse_person_names",
    "parse_phone",
    "parse_phones",
    "phonetic_key",
    "register_duckdb_udfs",
    "standard_address_key",
    "upgrade_15_to_18",
]
