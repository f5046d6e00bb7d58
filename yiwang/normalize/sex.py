"""Sex codes (性别) from any platform → GB/T 2261.1-2003.

GB/T 2261.1 codes: "0" 未知的性别 (unknown), "1" 男 (male), "2" 女 (female), "9" 未说明的性别
(not stated). `SEX_CODES` maps what the legacy platforms write to those codes; it is a plain
dict so a platform with its own convention can pass `extra` (e.g. {"0": "2"} for a system that
stores female as 0) without touching the shared table. Keys are compared after text
normalisation and lower-casing.

Reason codes: ``empty``, ``unknown_code`` (not in the table). A decoded "0" or "9" is valid
but carries no sex; `check_sex_against_id` then answers ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from yiwang.normalize._vector import ArrayLike, map_unique
from yiwang.normalize.identity import parse_id_number
from yiwang.normalize.text import normalize_text

SEX_LABELS = {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}

SEX_CODES: dict[str, str] = {
    # GB/T 2261.1 codes as written, also as floats from spreadsheets
    "0": "0", "1": "1", "2": "2", "9": "9", "1.0": "1", "2.0": "2", "0.0": "0", "9.0": "9",
    # Chinese
    "男": "1", "男性": "1", "男士": "1", "先生": "1", "男生": "1",
    "女": "2", "女性": "2", "女士": "2", "女生": "2",
    "未知": "0", "不详": "0", "未知的性别": "0",
    "未说明": "9", "未说明的性别": "9", "保密": "9",
    # English / letters
    "m": "1", "male": "1", "man": "1", "f": "2", "female": "2", "woman": "2",
    "u": "0", "unknown": "0", "x": "9",
}  # fmt: skip

REASONS = {"empty": "no value", "unknown_code": "a value not in the code table"}


@dataclass(frozen=True, slots=True)
class SexResult:
    sex: str | None  # GB/T 2261.1 code
    is_valid: bool
    reason: str | None


def decode_sex(value: Any, *, extra: Mapping[str, str] | None = None) -> SexResult:
    """Decode one sex value to a GB/T 2261.1 code. Never raises.

    >>> decode_sex("M").sex, decode_sex("女").sex, decode_sex(2).sex
    ('1', '2', '2')
    """
    text = normalize_text(value)
    if not text:
        return SexResult(None, False, "empty")
    key = text.lower().replace(" ", "")
    if extra and key in extra:
        return SexResult(extra[key], True, None)
    code = SEX_CODES.get(key)
    if code is None:
        return SexResult(None, False, "unknown_code")
    return SexResult(code, True, None)


# what a caller's form of address says about their sex (张先生, 李女士); 师傅, 老师 say nothing
HONORIFIC_SEX = {"先生": "1", "男士": "1", "大爷": "1", "大叔": "1", "大哥": "1", "女士": "2", "小姐": "2",
                 "太太": "2", "阿姨": "2", "大妈": "2", "大姐": "2", "大娘": "2"}  # fmt: skip


def sex_from_honorific(name: Any) -> str | None:
    """The GB/T 2261.1 code a name's form of address implies (郭先生 → "1", 王女士 → "2"), else None.

    >>> sex_from_honorific("郭先生"), sex_from_honorific("王 女士"), sex_from_honorific("郭勇春")
    ('1', '2', None)
    """
    text = normalize_text(name)
    if not text:
        return None
    text = text.replace(" ", "")
    for honorific, code in HONORIFIC_SEX.items():
        if text.endswith(honorific) and len(text) <= len(honorific) + 2:  # a surname, then the form
            return code
    return None


def check_sex_against_id(sex: Any, id_number: Any) -> str:
    """ "match", "mismatch" or "unknown" (either side missing, invalid or not male/female).

    `sex` may be a raw value or an already decoded GB/T 2261.1 code.
    """
    code = decode_sex(sex).sex
    id_sex = parse_id_number(id_number).sex
    if code not in ("1", "2") or id_sex is None:
        return "unknown"
    return "match" if code == id_sex else "mismatch"


def decode_sexes(values: ArrayLike, *, extra: Mapping[str, str] | None = None) -> pa.Table:
    """Vectorised `decode_sex`."""
    return map_unique(values, lambda v: decode_sex(v, extra=extra), SexResult)
