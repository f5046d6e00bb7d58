"""Chinese telephone numbers to one canonical form (电话号码标准化).

`parse_phone` returns the kind (mobile, landline, service, invalid), the canonical number
(11 digits; "0AREA-LOCAL" with any extension apart; a service number's digits) and the other
numbers of a cell; it never raises. Reason codes: `empty`, `masked`, `bad_characters`,
`foreign_number`, `bad_prefix`, `bad_area_code`, `bad_local_number`, `missing_area_code`,
`bad_length`. The numbering-plan rules: docs/normalize.md ("Phone", "Design notes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yiwang.normalize._vector import ArrayLike, as_string_array, map_unique, result_schema
from yiwang.normalize.text import normalize_code_text

KINDS = ("mobile", "landline", "service", "invalid")
REASONS: dict[str, str] = {
    "empty": "nothing left after cleaning",
    "masked": "digits replaced by * or x (desensitised)",
    "bad_characters": "letters or symbols that are not part of a phone number",
    "foreign_number": "country code other than +86",
    "bad_prefix": "11 digits that do not start 13-19",
    "bad_area_code": "trunk 0 followed by 1 but not 010",
    "bad_local_number": "local number not 7-8 digits or starting with 0/1",
    "missing_area_code": "a local number without area code and no default given",
    "bad_length": "digit count fits no Chinese number",
}

SERVICE_PATTERNS = re.compile(r"^(?:1[01][0-9]|12[0-9]|1[0-2]\d{3}|9[56]\d{3,6}|[48]00\d{7})$")
_MASK = re.compile(r"[*＊×]|\d[xX]{2,}|[xX]{2,}\d")
_EXTENSION = re.compile(r"(?:转|轉|分机|分機|ext\.?|extension|ex\.?|x|#)\s*[:：]?\s*(\d{1,6})\s*$", re.IGNORECASE)
_SPLIT = re.compile(r"[,;，；、|\n]|或|\s{2,}")
_FLOAT_TAIL = re.compile(r"(?<=\d)\.0+$")
_DANGLING_MARKER = re.compile(r"(?:转|轉|分机|分機|ext\.?|#)\s*$", re.IGNORECASE)
_COUNTRY = re.compile(r"^(?:\+|00)\s*(\d{1,3})")
_DIGIT_GROUPS = re.compile(r"\d+")
_ALLOWED_NOISE = re.compile(r"[\s\-()+./（）\[\]{}<>:：]|电话|手机|座机|联系|tel|phone|mob|no", re.I)


@dataclass(frozen=True, slots=True)
class PhoneResult:
    phone: str | None
    is_valid: bool
    kind: str
    reason: str | None
    area_code: str | None
    local_number: str | None
    extension: str | None
    other_numbers: tuple[str, ...]


def _invalid(reason: str, kind: str = "invalid", local: str | None = None) -> PhoneResult:
    return PhoneResult(None, False, kind, reason, None, local, None, ())


def _landline(digits: str, groups: list[str], extension: str | None) -> PhoneResult:
    """digits starts with the trunk 0."""
    if digits[1] == "1" and digits[2] != "0":
        return _invalid("bad_area_code")
    area_len = 3 if digits[1] in "12" else 4
    area, rest = digits[:area_len], digits[area_len:]
    if len(rest) > 8 and extension is None:
        # a trailing digit group after a separator is an extension: 0575-88123456-801
        boundaries, total = set(), 0
        for group in groups:
            total += len(group)
            boundaries.add(total)
        for local_len in (8, 7):
            end = area_len + local_len
            if end in boundaries and 1 <= len(digits) - end <= 6:
                rest, extension = digits[area_len:end], digits[end:]
                break
    if not (7 <= len(rest) <= 8) or rest[0] in "01":
        return PhoneResult(None, False, "landline", "bad_local_number", area, rest, extension, ())
    return PhoneResult(f"{area}-{rest}", True, "landline", None, area, rest, extension, ())


def _parse_one(text: str, default_area_code: str | None) -> PhoneResult:
    extension = None
    match = _EXTENSION.search(text)
    if match and len(re.sub(r"\D", "", text[: match.start()])) >= 7:
        extension = match.group(1)
        text = text[: match.start()]
    leftover = _ALLOWED_NOISE.sub("", _DIGIT_GROUPS.sub("", text))
    if leftover:
        return _invalid("bad_characters")
    international = False
    country = _COUNTRY.match(text.strip())
    if country:
        if not country.group(1).startswith("86"):
            return _invalid("foreign_number")
        international = True
        text = text.strip()[country.end() :]
        if len(country.group(1)) > 2:  # "+8613812345678" captured as 861: give digits back
            text = country.group(1)[2:] + text
    groups = _DIGIT_GROUPS.findall(text)
    digits = "".join(groups)
    if not digits:
        return _invalid("empty")
    if international:
        digits = digits.lstrip("0")  # "+86 (0)575 ..." carries a redundant trunk 0
        if not (len(digits) == 11 and digits[0] == "1"):
            digits = "0" + digits
            groups = ["0", *groups]
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    elif len(digits) == 12 and re.match(r"^01[3-9]", digits):
        digits = digits[1:]  # trunk 0 dialled before a mobile
    if len(digits) == 11 and digits[0] == "1":
        if digits[1] in "3456789":
            return PhoneResult(digits, True, "mobile", None, None, None, None, ())
        if SERVICE_PATTERNS.match(digits) is None:
            return _invalid("bad_prefix")
    if SERVICE_PATTERNS.match(digits) and extension is None:
        return PhoneResult(digits, True, "service", None, None, None, None, ())
    if digits[0] == "0" and len(digits) >= 10:
        return _landline(digits, groups, extension)
    if 7 <= len(digits) <= 8 and digits[0] not in "01":
        if default_area_code:
            return _landline(default_area_code + digits, [default_area_code, *groups], extension)
        return PhoneResult(None, False, "landline", "missing_area_code", None, digits, extension, ())
    return _invalid("bad_length")


def parse_phone(value: Any, *, default_area_code: str | None = None) -> PhoneResult:
    """Normalise one phone cell. Never raises.

    >>> parse_phone("+86 138-1234-5678").phone
    '13812345678'
    >>> r = parse_phone("0575-8812-3456 转 801"); (r.phone, r.extension)
    ('0575-88123456', '801')
    """
    text = normalize_code_text(value)
    if not text:
        return _invalid("empty")
    if default_area_code is not None:
        default_area_code = "0" + default_area_code.lstrip("0")
    text = _DANGLING_MARKER.sub("", _FLOAT_TAIL.sub("", text))
    parts = []
    for part in _SPLIT.split(text):
        pieces = part.split("/")
        # "/" separates two numbers only when each side has enough digits for one
        if len(pieces) > 1 and all(len(re.sub(r"\D", "", p)) >= 7 for p in pieces):
            parts.extend(pieces)
        elif re.search(r"\d", part):
            parts.append(part)
    if not parts:
        return _invalid("masked" if _MASK.search(text) else "bad_characters")
    results = []
    for part in parts:
        if _MASK.search(part):
            results.append(_invalid("masked"))
        else:
            results.append(_parse_one(part, default_area_code))
    first = next((r for r in results if r.is_valid), results[0])
    others = tuple(r.phone for r in results if r.is_valid and r is not first and r.phone)
    return replace(first, other_numbers=others) if others else first


def normalize_phone(value: Any, *, default_area_code: str | None = None) -> str | None:
    return parse_phone(value, default_area_code=default_area_code).phone


# --- vectorised path -------------------------------------------------------------------------

_FAST_MOBILE = r"^(?:\+86|0086|86)?(?P<mobile>1[3-9][0-9]{9})$"
_FAST_LANDLINE = r"^(?P<area>0(?:10|2[0-9]|[3-9][0-9]{2}))(?P<local>[2-9][0-9]{6,7})$"


def parse_phones(values: ArrayLike, *, default_area_code: str | None = None) -> pa.Table:
    """Vectorised `parse_phone`: plain mobiles and landlines by Arrow regex, the rest by the
    scalar parser once per distinct value."""
    strings = as_string_array(values)
    squeezed = pc.replace_substring_regex(pc.utf8_normalize(strings, "NFKC"), r"[\s\-()]+", "")
    mobile = pc.extract_regex(squeezed, _FAST_MOBILE)
    landline = pc.extract_regex(squeezed, _FAST_LANDLINE)
    is_mobile = pc.fill_null(pc.is_valid(mobile), False).to_numpy(zero_copy_only=False)
    is_landline = pc.fill_null(pc.is_valid(landline), False).to_numpy(zero_copy_only=False)
    is_landline &= ~is_mobile
    fast = is_mobile | is_landline
    mobile_numbers = pc.struct_field(mobile, [0])
    area = pc.struct_field(landline, [0])
    local = pc.struct_field(landline, [1])
    landline_numbers = pc.binary_join_element_wise(area, local, "-")
    n = len(strings)
    mob = pa.array(is_mobile)
    lan = pa.array(is_landline)
    fast_table = pa.table(
        {
            "phone": pc.if_else(mob, mobile_numbers, landline_numbers),
            "is_valid": pa.array(np.ones(n, dtype=bool)),
            "kind": pc.if_else(mob, pa.scalar("mobile"), pa.scalar("landline")),
            "reason": pa.nulls(n, pa.string()),
            "area_code": pc.if_else(lan, area, pa.scalar(None, pa.string())),
            "local_number": pc.if_else(lan, local, pa.scalar(None, pa.string())),
            "extension": pa.nulls(n, pa.string()),
            "other_numbers": pa.array([()] * n, pa.list_(pa.string())),
        },
        schema=result_schema(PhoneResult),
    ).filter(pa.array(fast))
    rest_idx = np.flatnonzero(~fast)
    rest = map_unique(
        pc.take(strings, pa.array(rest_idx, pa.int64())),
        lambda v: parse_phone(v, default_area_code=default_area_code),
        PhoneResult,
    )
    order = np.empty(n, dtype=np.int64)
    order[np.flatnonzero(fast)] = np.arange(fast_table.num_rows)
    order[rest_idx] = fast_table.num_rows + np.arange(len(rest_idx))
    return pa.concat_tables([fast_table, rest]).take(pa.array(order)).combine_chunks()
