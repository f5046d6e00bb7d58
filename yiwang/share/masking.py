"""Masking (脱敏) and keyed pseudonyms (假名化) for shared columns.

id_number   keeps the first 6 and the last 4 characters: 330602********1234
phone       keeps the first 3 and the last 4: 138****5678
name        keeps the surname (compound surnames such as 欧阳 stay whole): 欧阳**
address     cut at community level (社区/村) with yiwang.normalize.parse_address
token       HMAC-SHA256 of the normalised identifier with the department's key
            (environment YIWANG_SHARE_KEY_<DEPARTMENT>): stable for one department over
            time, unrelated between departments
year        a date generalised to its year; decade: to its decade (1980s), for quasi-identifiers
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from typing import Any

import pandas as pd

from yiwang.normalize.address import parse_address

KEY_ENV_PREFIX = "YIWANG_SHARE_KEY_"
MASKS = ("none", "id_number", "phone", "name", "address", "token", "year", "decade")

# 复姓: the compound surnames still in use (the list of the 百家姓 plus common modern ones).
COMPOUND_SURNAMES = frozenset(
    "欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 "
    "公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 "
    "壤驷 公良 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 "
    "公仪 梁丘 公仲 公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 "
    "子书 子桑 即墨 达奚 褚师 吴铭 纳兰 归海".split()
)


# masks that keep characters in place: (kept at the start, kept at the end)
POSITIONAL = {"id_number": (6, 4), "phone": (3, 4)}
# a masked value must keep at least this many hidden characters that no other exported column
# gives away (a masked mobile number hides 4)
MIN_FREE_CHARACTERS = 4
# share of rows on which a character of another column equals a hidden character, for that
# column to count as giving it away (chance alone: about 1 in 10)
IMPLIED_SHARE = 0.9


class MaskingLeakError(ValueError):
    """A masked column can be rebuilt from other columns of the same export."""


class MissingKeyError(RuntimeError):
    """A department's pseudonym key is not set in the environment."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except TypeError:
        pass
    text = str(value).strip()
    return text or None


def mask_id_number(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]


def mask_name(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    family = surname(text)
    return family + "*" * (len(text) - len(family))


def mask_address(value: Any) -> str | None:
    """The address up to its community (社区/村); coarser when no community is found."""
    text = _text(value)
    if text is None:
        return None
    parts = parse_address(text)
    kept = [p for p in (parts.province, parts.city, parts.district, parts.street, parts.community) if p]
    return "".join(kept) if kept else "***"


def mask_year(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text[:4]


def mask_decade(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text[:3] + "0s"


def department_key(department: str) -> bytes:
    variable = KEY_ENV_PREFIX + department.upper()
    key = os.environ.get(variable)
    if not key:
        raise MissingKeyError(
            f"department {department!r} has columns shared as keyed pseudonyms (假名) but {variable} is not set; "
            f"set it to a secret of at least 16 characters (one per department, never shared)"
        )
    if len(key) < 16:
        raise MissingKeyError(f"{variable} is shorter than 16 characters")
    return key.encode()


def tokenizer(department: str) -> Callable[[Any], str | None]:
    """HMAC-SHA256 over the normalised identifier (stripped, upper-case: a lower-case x in an ID
    number gives the same token), hex, prefixed by nothing: 64 characters."""
    key = department_key(department)

    def token(value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        return hmac.new(key, text.upper().encode(), hashlib.sha256).hexdigest()

    return token


def masker(kind: str, department: str) -> Callable[[Any], Any]:
    if kind == "token":
        return tokenizer(department)
    functions = {
        "none": lambda v: v,
        "id_number": mask_id_number,
        "phone": mask_phone,
        "name": mask_name,
        "address": mask_address,
        "year": mask_year,
        "decade": mask_decade,
    }
    if kind not in functions:
        raise ValueError(f"unknown masking {kind!r}; known: {MASKS}")
    return functions[kind]


def implied_characters(original: pd.Series, kind: str, others: pd.DataFrame) -> dict[int, str]:
    """Which hidden characters of `original` (masked with `kind`) the other exported columns
    (as exported) give away: position -> the column. Derived from the data, not from column
    names: a character is implied when, on nearly every row, one fixed character position of the
    other column's digits and letters equals it (a birth date beside an ID number, a year, a
    region code, a copied number)."""
    head, tail = POSITIONAL[kind]
    text = original.map(_text).dropna().str.upper()
    if text.empty:
        return {}
    length = int(text.str.len().mode().iloc[0])
    text = text[text.str.len() == length]
    hidden = range(head, length - tail)
    implied: dict[int, str] = {}
    for name in others.columns:
        shown = others.loc[text.index, name].map(_text).str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)
        shown = shown.fillna("")
        width = int(shown.str.len().max() or 0)
        usable = shown.str.len() > 0
        if not usable.any():
            continue
        for p in hidden:
            if p in implied:
                continue
            target = text[usable].str[p]
            for q in range(min(width, 32)):
                if (shown[usable].str[q] == target).mean() >= IMPLIED_SHARE:
                    implied[p] = str(name)
                    break
    return implied


def check_rebuild(frame: pd.DataFrame, exported: pd.DataFrame, columns: dict[str, str], where: str) -> None:
    """Refuse an export in which a positional mask leaves fewer than MIN_FREE_CHARACTERS hidden
    characters free of what the other exported columns imply. `frame`: the values before
    masking; `exported`: the columns as they will be written."""
    for name, kind in columns.items():
        if kind not in POSITIONAL or name not in frame:
            continue
        head, tail = POSITIONAL[kind]
        text = frame[name].map(_text).dropna()
        if text.empty:
            continue
        length = int(text.str.len().mode().iloc[0])
        hidden = max(length - head - tail, 0)
        implied = implied_characters(frame[name], kind, exported.drop(columns=[name]))
        free = hidden - len(implied)
        if kind == "id_number" and length == 18 and tail >= 1 and free > 0:
            free -= 1  # the shown check character (ISO 7064 MOD 11-2) fixes one more hidden digit
        if free < MIN_FREE_CHARACTERS:
            given = sorted(set(implied.values()))
            raise MaskingLeakError(
                f"{where}: {name} masked as {kind!r} could be rebuilt: of its {hidden} hidden characters "
                f"{len(implied)} are implied by {given} in the same export, leaving {max(free, 0)} "
                f"(at least {MIN_FREE_CHARACTERS} must stay unknown). Generalise or drop {given} "
                f"(e.g. birth_date: decade), or share {name} as token"
            )
