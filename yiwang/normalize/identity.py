"""Citizen ID numbers (公民身份号码, GB 11643-1999): clean, validate, upgrade 15 → 18, decode.

`parse_id_number` returns an `IdNumberResult` (the 18-character number when valid, birth date,
division, province, sex) and never raises. Reason codes, the first failing one reported:
`empty`, `spreadsheet_mangled`, `bad_characters`, `bad_length`, `bad_division`,
`bad_birth_date`, `bad_checksum`. The number's structure, what comes from python-stdnum and
why the rest is written here: docs/normalize.md ("Citizen ID number", "Design notes").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import ric

from yiwang.normalize._vector import ArrayLike, as_string_array, map_unique, result_schema
from yiwang.normalize.text import as_text, normalize_code_text

# GB/T 2260 province-level codes (first two digits), plus 81/82/83 used by the residence
# permits for Hong Kong, Macau and Taiwan residents (港澳台居民居住证, 8x0000 address code).
PROVINCE_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区", "83": "台湾地区居民",
}  # fmt: skip

REASONS: dict[str, str] = {
    "empty": "nothing left after cleaning",
    "spreadsheet_mangled": "digits lost in a spreadsheet or float (scientific notation, …000)",
    "bad_characters": "characters other than digits and a final X",
    "bad_length": "not 15 or 18 characters",
    "bad_division": "first two digits are not a GB/T 2260 province code",
    "bad_birth_date": "birth date is not a real date between 1880 and today",
    "bad_checksum": "ISO 7064 MOD 11-2 check character does not match",
}

EARLIEST_BIRTH_YEAR = 1880
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCE_NUMBERS = np.array(sorted(int(code) for code in PROVINCE_CODES), dtype=np.int64)

_SCIENTIFIC = re.compile(r"^[+-]?(\d+)(?:\.(\d*))?E[+-]?\d+$", re.IGNORECASE)
_FLOAT_TAIL = re.compile(r"^(\d{15}|\d{18})\.0*$")
_SEPARATORS = re.compile(r"[\s\-_]+")
_QUOTES = "'\"`‘’“”「」『』()[]（）【】<>《》"
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_ALLOWED = re.compile(r"^(?:\d{15}|\d{17}[\dX])$")


@dataclass(frozen=True, slots=True)
class IdNumberResult:
    """A normalised citizen ID number; the extracted fields are set only when it is valid."""

    id_number: str | None
    is_valid: bool
    reason: str | None
    cleaned: str | None  # best-effort cleaned text, also for invalid numbers (None if lost)
    birth_date: datetime.date | None
    division_code: str | None
    province: str | None
    sex: str | None  # GB/T 2261.1: "1" male, "2" female
    was_15_digit: bool


def _failed(reason: str, cleaned: str | None, was_15: bool = False) -> IdNumberResult:
    return IdNumberResult(None, False, reason, cleaned, None, None, None, None, was_15)


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits (via python-stdnum)."""
    return ric.calc_check_digit(first17 + "0")


def upgrade_15_to_18(number15: str) -> str:
    """Old 15-digit number → 18 digits: insert the century 19, append the check character."""
    body = number15[:6] + "19" + number15[6:]
    return body + check_character(body)


def _birth_date(number18: str, today: datetime.date) -> datetime.date | None:
    try:
        born = datetime.date(int(number18[6:10]), int(number18[10:12]), int(number18[12:14]))
    except ValueError:
        return None
    if born.year < EARLIEST_BIRTH_YEAR or born > today:
        return None
    return born


def _looks_like_number_storage(number18: str) -> bool:
    """True when the digits are what a spreadsheet (15 significant digits) or float64 keeps."""
    if not number18.isdigit():
        return False
    if number18.endswith("000"):
        return True
    value = int(number18)
    return int(float(value)) == value


def _from_scientific(text: str) -> tuple[str | None, bool]:
    """(digits, True) when text is scientific notation; digits None when some were lost."""
    match = _SCIENTIFIC.match(text)
    if not match:
        return None, False
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, True
    if value <= 0 or value.adjusted() not in (14, 17) or value != value.to_integral_value():
        return None, True
    digits = str(int(value))
    mantissa = (match.group(1) + (match.group(2) or "")).lstrip("0").rstrip("0")
    significant = digits.rstrip("0")
    if len(digits) not in (15, 18) or len(mantissa) < len(significant):
        return None, True
    # every digit was written out; trailing zeros are only trustworthy for 15 digits
    if len(digits) == 18 and digits.endswith("0") and len(mantissa) < 17:
        return None, True
    return digits, True


def parse_id_number(value: Any, *, today: datetime.date | None = None) -> IdNumberResult:
    """Clean, upgrade, validate and decode one citizen ID number. Never raises.

    >>> parse_id_number(" 33060219900101123x ").reason
    'bad_checksum'
    >>> parse_id_number("３３０６０２１９９００１０１１２３１").id_number
    '330602199001011231'
    """
    today = today or datetime.date.today()
    if not isinstance(value, str) and isinstance(value, float) and abs(value) >= 1e15:
        return _failed("spreadsheet_mangled", None)  # a float cannot hold 18 digits exactly
    text = normalize_code_text(as_text(value))
    if not text:
        return _failed("empty", None)
    text = text.strip(_QUOTES + " ")
    if not text:
        return _failed("empty", None)
    digits, was_scientific = _from_scientific(text.replace(" ", ""))
    if was_scientific and digits is None:
        return _failed("spreadsheet_mangled", None)
    from_number_storage = was_scientific
    if digits is not None:
        text = digits
    float_tail = _FLOAT_TAIL.match(text)
    if float_tail:
        text = float_tail.group(1)
        from_number_storage = True
    compact = _SEPARATORS.sub("", text).upper()
    if not _ALLOWED.match(compact):
        candidates = _CANDIDATE.findall(text)
        leftover = _CANDIDATE.sub("", text)
        if len(candidates) == 1 and not re.search(r"[0-9A-Za-z]", leftover):
            compact = candidates[0].upper()  # a label or note around one number
        elif re.fullmatch(r"[0-9X]*", compact) and compact.count("X") <= (compact[-1:] == "X"):
            return _failed("bad_length", compact)
        else:
            return _failed("bad_characters", compact)
    was_15 = len(compact) == 15
    number = upgrade_15_to_18(compact) if was_15 else compact
    if number[:2] not in PROVINCE_CODES:
        return _failed("bad_division", number, was_15)
    born = _birth_date(number, today)
    if born is None:
        return _failed("bad_birth_date", number, was_15)
    if not was_15 and number[-1] != check_character(number[:17]):
        if from_number_storage or _looks_like_number_storage(number):
            return _failed("spreadsheet_mangled", None)
        return _failed("bad_checksum", number)
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return IdNumberResult(number, True, None, number, born, number[:6], PROVINCE_CODES[number[:2]], sex, was_15)


def normalize_id_number(value: Any) -> str | None:
    """The normalised 18-character number, or None when it is not valid."""
    return parse_id_number(value).id_number


def is_valid_id_number(value: Any) -> bool:
    return parse_id_number(value).is_valid


@lru_cache(maxsize=8192)
def lookup_division(code: str, year: int | None = None) -> dict[str, str] | None:
    """Names of a 6-digit GB/T 2260 code from python-stdnum's table, or None when unknown.

    With `year`, a county code is accepted only if it was in force that year (codes of
    merged or renamed counties are kept in the table with their years). Informative only:
    `parse_id_number` does not require the county to be known.
    """
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    if "county" not in info:
        return None
    for county in info["county"].split(","):
        if not county.startswith("["):
            return info | {"county": county}
        span, name = county[1:].split("]")
        start, end = span.split("-")
        if year is None or ((not start or year >= int(start)) and (not end or year <= int(end))):
            return info | {"county": name}
    return None


# --- vectorised path -------------------------------------------------------------------------

_FAST_SHAPE = r"^[1-9][0-9]{16}[0-9X]$"


def _fast_valid(strings: pa.Array, today: datetime.date) -> tuple[np.ndarray, pa.Table]:
    """Numpy check of the rows that are already plain 18-character numbers.

    Returns a boolean mask of rows proven valid and the result table for those rows.
    """
    cleaned = pc.utf8_upper(pc.replace_substring_regex(pc.utf8_normalize(strings, "NFKC"), r"[\s\-]+", ""))
    shaped = pc.fill_null(pc.match_substring_regex(cleaned, _FAST_SHAPE), False)
    shaped_np = shaped.to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(shaped_np)
    valid_mask = np.zeros(len(strings), dtype=bool)
    if len(idx) == 0:
        return valid_mask, pa.Table.from_pylist([], schema=result_schema(IdNumberResult))
    taken = pc.take(cleaned, pa.array(idx)).cast(pa.binary())
    taken = pa.concat_arrays([taken])  # fresh buffers, offset 0
    offsets = np.frombuffer(taken.buffers()[1], dtype=np.int32)[: len(idx) + 1]
    raw = np.frombuffer(taken.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    chars = raw.reshape(len(idx), 18)
    digits = chars[:, :17].astype(np.int64) - 48
    check_ok = _CHECK_CHARS[(digits @ _WEIGHTS) % 11] == chars[:, 17]
    province_ok = np.isin(digits[:, 0] * 10 + digits[:, 1], _PROVINCE_NUMBERS)
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    days_in = month_days[np.clip(month, 0, 12)] + ((month == 2) & leap)
    date_ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in)
    date_ok &= year >= EARLIEST_BIRTH_YEAR
    born = (
        (np.clip(year, 1, 9999) - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (np.clip(month, 1, 12) - 1)
    ).astype("datetime64[D]") + (np.clip(day, 1, 31) - 1)
    date_ok &= born <= np.datetime64(today)
    ok = check_ok & province_ok & date_ok
    good = idx[ok]
    valid_mask[good] = True
    numbers = pc.take(cleaned, pa.array(good))
    province_names = np.array([PROVINCE_CODES.get(f"{n:02d}") for n in range(100)], dtype=object)
    first_two = digits[ok, 0] * 10 + digits[ok, 1]
    sex = np.where(digits[ok, 16] % 2 == 1, "1", "2")
    table = pa.table(
        {
            "id_number": numbers,
            "is_valid": pa.array(np.ones(len(good), dtype=bool)),
            "reason": pa.nulls(len(good), pa.string()),
            "cleaned": numbers,
            "birth_date": pa.array(born[ok].astype("datetime64[D]"), pa.date32()),
            "division_code": pc.utf8_slice_codeunits(numbers, 0, 6),
            "province": pa.array(province_names[first_two], pa.string()),
            "sex": pa.array(sex, pa.string()),
            "was_15_digit": pa.array(np.zeros(len(good), dtype=bool)),
        },
        schema=result_schema(IdNumberResult),
    )
    return valid_mask, table


def parse_id_numbers(values: ArrayLike, *, today: datetime.date | None = None) -> pa.Table:
    """Vectorised `parse_id_number`: an Arrow table with one row per input value.

    Plain 18-character numbers are checked with numpy over the Arrow buffer; everything else
    (15 digits, invalid, damaged, labelled) goes through the scalar parser once per distinct
    value.
    """
    today = today or datetime.date.today()
    if isinstance(values, pa.ChunkedArray | pa.Array):
        is_float = pa.types.is_floating(values.type)
    else:
        is_float = getattr(getattr(values, "dtype", None), "kind", "") == "f"
    if is_float:  # floats go through the scalar path, which reports the lost digits
        return map_unique(values, lambda v: parse_id_number(v, today=today), IdNumberResult)
    strings = as_string_array(values)
    valid_mask, fast = _fast_valid(strings, today)
    rest_idx = np.flatnonzero(~valid_mask)
    rest = map_unique(
        pc.take(strings, pa.array(rest_idx, pa.int64())),
        lambda v: parse_id_number(v, today=today),
        IdNumberResult,
    )
    order = np.empty(len(strings), dtype=np.int64)
    order[np.flatnonzero(valid_mask)] = np.arange(fast.num_rows)
    order[rest_idx] = fast.num_rows + np.arange(len(rest_idx))
    return pa.concat_tables([fast, rest]).take(pa.array(order)).combine_chunks()
