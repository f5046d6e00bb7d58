"""Unified social credit codes (统一社会信用代码, GB 32100-2015): clean, validate, decode.

`parse_credit_code` returns a `CreditCodeResult` (authority, entity type, division,
organisation code; I/O/Z/S/V repaired only when the check then passes, `was_repaired`) and
never raises. Reason codes, the first failing one reported: `empty`,
`legacy_registration_number`, `legacy_organization_code`, `bad_characters`, `bad_length`,
`bad_authority`, `bad_entity_type`, `bad_division`, `bad_checksum`. The code's layout and what
comes from python-stdnum: docs/normalize.md ("Unified social credit code", "Design notes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from stdnum.cn import uscc

from yiwang.normalize._vector import ArrayLike, map_unique
from yiwang.normalize.identity import PROVINCE_CODES
from yiwang.normalize.text import normalize_code_text

ALPHABET = uscc._alphabet  # "0123456789ABCDEFGHJKLMNPQRTUWXY"

REGISTERING_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商(市场监督管理)",
    "A": "中央军委改革和编制办公室",
    "N": "农业农村",
    "Y": "其他",
}

ENTITY_TYPES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地代表机构", "9": "其他"},
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}

REASONS: dict[str, str] = {
    "empty": "nothing left after cleaning",
    "legacy_registration_number": "15 digits: an old business registration number",
    "legacy_organization_code": "9 characters: an old organisation code",
    "bad_characters": "characters outside 0-9 and A-Z without I, O, Z, S, V",
    "bad_length": "not 18 characters",
    "bad_authority": "first character is not a registering authority",
    "bad_entity_type": "second character is not an entity type of that authority",
    "bad_division": "characters 3-8 are not a division code",
    "bad_checksum": "MOD 31 check character does not match",
}

CONFUSABLES = str.maketrans({"I": "1", "O": "0", "Z": "2", "S": "5", "V": "U"})
_SEPARATORS = re.compile(r"[\s\-_./\\]+")
_QUOTES = "'\"`‘’“”「」『』()[]（）【】<>《》"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class CreditCodeResult:
    credit_code: str | None
    is_valid: bool
    reason: str | None
    cleaned: str | None
    registering_authority_code: str | None
    registering_authority: str | None
    entity_type_code: str | None
    entity_type: str | None
    division_code: str | None
    organization_code: str | None
    organization_code_valid: bool | None  # GB 11714 check of characters 9-17 (informative)
    was_repaired: bool


def _failed(reason: str, cleaned: str | None) -> CreditCodeResult:
    return CreditCodeResult(None, False, reason, cleaned, None, None, None, None, None, None, None, False)


def check_character(first17: str) -> str:
    """GB 32100 check character of the first 17 characters (via python-stdnum)."""
    return uscc.calc_check_digit(first17 + "0")


def organization_code_is_valid(code9: str) -> bool:
    """GB 11714 check of a 9-character organisation code (8 body characters + check)."""
    if len(code9) != 9 or any(c not in _ORG_ALPHABET for c in code9[:8]):
        return False
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(code9[:8], _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    expected = {10: "X", 11: "0"}.get(check, str(check))
    return code9[8] == expected


def _structure_reason(code: str) -> str | None:
    if code[0] not in REGISTERING_AUTHORITIES:
        return "bad_authority"
    if code[1] not in ENTITY_TYPES.get(code[0], {}):
        return "bad_entity_type"
    division = code[2:8]
    if not division.isdigit() or (division[:2] not in PROVINCE_CODES and division[:2] != "10"):
        return "bad_division"
    return None


def parse_credit_code(value: Any) -> CreditCodeResult:
    """Clean, validate and decode one unified social credit code. Never raises.

    >>> parse_credit_code("9133 0602 MA2BXXXX0X").reason
    'bad_checksum'
    >>> parse_credit_code("91110000600037341l").credit_code
    '91110000600037341L'
    """
    text = normalize_code_text(value)
    if not text:
        return _failed("empty", None)
    code = _SEPARATORS.sub("", text.strip(_QUOTES + " ")).upper()
    if not code:
        return _failed("empty", None)
    if len(code) == 15 and code.isdigit():
        return _failed("legacy_registration_number", code)
    if len(code) == 9 and code.isalnum() and code.isascii():
        return _failed("legacy_organization_code", code)
    if not (code.isascii() and code.isalnum()):
        return _failed("bad_characters", code)
    if len(code) != 18:
        return _failed("bad_length", code)
    repaired = False
    if any(c not in ALPHABET for c in code):
        candidate = code.translate(CONFUSABLES)
        if (
            all(c in ALPHABET for c in candidate)
            and _structure_reason(candidate) is None
            and candidate[-1] == check_character(candidate[:17])
        ):
            code, repaired = candidate, True
        else:
            return _failed("bad_characters", code)
    reason = _structure_reason(code)
    if reason is not None:
        return _failed(reason, code)
    if code[-1] != check_character(code[:17]):
        return _failed("bad_checksum", code)
    return CreditCodeResult(
        credit_code=code,
        is_valid=True,
        reason=None,
        cleaned=code,
        registering_authority_code=code[0],
        registering_authority=REGISTERING_AUTHORITIES[code[0]],
        entity_type_code=code[1],
        entity_type=ENTITY_TYPES[code[0]][code[1]],
        division_code=code[2:8],
        organization_code=code[8:17],
        organization_code_valid=organization_code_is_valid(code[8:17]),
        was_repaired=repaired,
    )


def normalize_credit_code(value: Any) -> str | None:
    return parse_credit_code(value).credit_code


def parse_credit_codes(values: ArrayLike) -> pa.Table:
    """Vectorised `parse_credit_code` (each distinct value parsed once)."""
    return map_unique(values, parse_credit_code, CreditCodeResult)
