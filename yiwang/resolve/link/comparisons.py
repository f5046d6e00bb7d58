"""Column kinds: how each is prepared (normalised, with derived columns) and compared (Splink).

Preparation uses yiwang.normalize, so values agree however a platform typed them; comparisons
are Splink comparison levels, most specific first. Derived columns are named
<column>__<part> (e.g. name__pinyin) and dropped from the output.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pandas as pd
import splink.comparison_library as cl

from yiwang.normalize import (
    decode_sex,
    normalize_credit_code,
    parse_address,
    parse_date,
    parse_id_number,
    parse_person_name,
    parse_phone,
    standard_address_key,
)
from yiwang.normalize.sex import sex_from_honorific
from yiwang.resolve.link.settings import CompareColumn


def _unique_map(values: pd.Series, func: Callable) -> pd.Series:
    """`func` applied once per distinct value (tables repeat values a lot)."""
    uniques = pd.Series(values.dropna().unique())
    mapping = dict(zip(uniques, uniques.map(func), strict=True))
    out = values.map(mapping).astype(object)
    return out.where(out.notna(), None)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split()).lower()
    return text or None


def _id_number(value: object) -> str | None:
    result = parse_id_number(value)
    return result.id_number if result.is_valid else None


def _swap_day_month(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    year, month, day = value.split("-")
    if month == day or int(day) > 12:
        return None
    return f"{year}-{day}-{month}"


def _sex(value: object) -> str | None:
    code = decode_sex(value).sex
    return code if code in ("1", "2") else None  # unknown (0) and not stated (9) say nothing


def _phone(value: object) -> tuple[str | None, str | None]:
    """The canonical number, and a landline's local number (also when its area code is missing)."""
    result = parse_phone(value)
    local = result.local_number if result.kind == "landline" and result.reason in (None, "missing_area_code") else None
    return result.phone, local


def _address(value: object) -> tuple[str | None, str | None, str | None, str | None]:
    """The standard key and the divisions that say where it is: city, district (区县), street."""
    parts = parse_address(value)
    return standard_address_key(parts), parts.city, parts.district, parts.street


def _name_column(columns: tuple[CompareColumn, ...]) -> str | None:
    return next((c.name for c in columns if c.kind == "chinese_person_name"), None)


def prepare(frame: pd.DataFrame, columns: tuple[CompareColumn, ...]) -> pd.DataFrame:
    """A copy of `frame` with every compared column normalised and its derived columns added."""
    out = frame.copy()
    for column in columns:
        values = out[column.name].astype(object).where(out[column.name].notna(), None)
        if column.kind == "chinese_id_number":
            out[column.name] = _unique_map(values, _id_number)
        elif column.kind == "credit_code":
            out[column.name] = _unique_map(values, normalize_credit_code)
        elif column.kind == "phone":
            parsed = _unique_map(values, _phone)
            out[column.name] = parsed.map(lambda p: p[0] if isinstance(p, tuple) else None)
            out[f"{column.name}__local"] = parsed.map(lambda p: p[1] if isinstance(p, tuple) else None)
        elif column.kind == "sex":
            sexes = _unique_map(values, _sex)
            name = _name_column(columns)
            if name is not None:  # 郭先生 on a form with no sex field still says male
                raw_names = frame[name].astype(object).where(frame[name].notna(), None)
                sexes = sexes.where(sexes.notna(), _unique_map(raw_names, sex_from_honorific))
            out[column.name] = sexes.astype(object).where(sexes.notna(), None)
        elif column.kind == "chinese_person_name":
            parsed = _unique_map(values, parse_person_name)
            good = parsed.map(lambda p: getattr(p, "name", None) is not None and not getattr(p, "is_masked", False))
            for suffix, part in (("", "name"), ("__pinyin", "pinyin_key"), ("__sound", "phonetic_key")):
                out[column.name + suffix] = parsed.map(lambda p, a=part: getattr(p, a, None)).where(good, None)
            out[f"{column.name}__surname"] = parsed.map(lambda p: getattr(p, "surname", None))
        elif column.kind == "date":
            dates = _unique_map(values, lambda v: parse_date(v))
            iso = dates.map(lambda d: d.strftime("%Y-%m-%d") if hasattr(d, "strftime") else None)
            out[column.name] = iso
            out[f"{column.name}__swap"] = iso.map(_swap_day_month)
        elif column.kind == "address":
            parsed = _unique_map(values, _address)
            for i, part in enumerate(("key", "city", "district", "street")):
                out[f"{column.name}__{part}"] = parsed.map(lambda p, i=i: p[i] if isinstance(p, tuple) else None)
            out[column.name] = _unique_map(values, _text)
        else:  # name, string, free_text, exact
            out[column.name] = _unique_map(values, _text)
    return out


def derived_columns(columns: tuple[CompareColumn, ...]) -> list[str]:
    parts = {
        "chinese_person_name": ["pinyin", "sound", "surname"],
        "date": ["swap"],
        "phone": ["local"],
        "address": ["key", "city", "district", "street"],
    }
    return [f"{c.name}__{p}" for c in columns for p in parts.get(c.kind, [])]


def _side(name: str, side: str) -> str:
    """The column of one side of a Splink comparison (`name_l` or `name_r`), quoted."""
    return f'"{name}_{side}"'


def _level(sql: str, label: str, **extra) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _same(column: str) -> str:
    return f"{_side(column, 'l')} = {_side(column, 'r')}"


def _either_null(column: str) -> str:
    return f"{_side(column, 'l')} IS NULL OR {_side(column, 'r')} IS NULL"


def _compatible(column: str) -> str:
    """Both sides name the same division, or one of them leaves it out (variants drop divisions)."""
    return f"({_either_null(column)} OR {_same(column)})"


def comparison(column: CompareColumn, baseline: bool = False):
    """The Splink comparison for one column; `baseline` gives plain string and exact comparisons
    with no Chinese-specific handling (the yardstick `yiwang evaluate` reports beside ours)."""
    c = column.name
    if baseline:
        if column.kind in ("chinese_id_number", "credit_code", "phone", "sex", "exact"):
            return cl.ExactMatch(c)
        if column.kind == "date":
            return cl.LevenshteinAtThresholds(c, [1, 2])
        return cl.JaroWinklerAtThresholds(c, [0.95, 0.88])
    if column.kind in ("chinese_id_number", "credit_code", "exact"):
        return cl.ExactMatch(c)
    if column.kind == "sex":
        return cl.CustomComparison(
            output_column_name=c,
            comparison_levels=[
                _level(_either_null(c), "no sex", is_null_level=True),
                _level(_same(c), "same sex"),
                _level("ELSE", "different sexes"),
            ],
        )
    if column.kind == "phone":
        local = f"{c}__local"
        tf = {"tf_adjustment_column": c, "tf_adjustment_weight": 1.0} if column.term_frequency else {}
        return cl.CustomComparison(
            output_column_name=c,
            comparison_levels=[
                _level(f"({_either_null(c)}) AND ({_either_null(local)})", "no phone", is_null_level=True),
                # a number many records give (a family's, a shop's) is weaker evidence: term frequency
                _level(_same(c), "same number", **tf),
                _level(f"{_same(local)} AND ({_either_null(c)})", "same local number, area code left out"),
                _level("ELSE", "different numbers"),
            ],
        )
    if column.kind == "chinese_person_name":
        pinyin, sound, surname = f"{c}__pinyin", f"{c}__sound", f"{c}__surname"
        jaro = f"jaro_winkler_similarity({_side(pinyin, 'l')}, {_side(pinyin, 'r')}) >= 0.9"
        masked = f"{_same(surname)} AND ({_either_null(c)})"
        return cl.CustomComparison(
            output_column_name=c,
            comparison_levels=[
                _level(_either_null(surname), "no name", is_null_level=True),
                _level(_same(c), "same name", tf_adjustment_column=c, tf_adjustment_weight=1.0),
                _level(_same(pinyin), "same pinyin (homophone)"),
                _level(_same(sound), "sounds alike (z/zh, n/l, -n/-ng)"),
                _level(jaro, "pinyin Jaro-Winkler >= 0.9"),
                _level(masked, "same surname, given name masked or missing"),
                _level("ELSE", "different names"),
            ],
        )
    if column.kind == "date":
        swap = f"{c}__swap"
        return cl.CustomComparison(
            output_column_name=c,
            comparison_levels=[
                _level(_either_null(c), "no date", is_null_level=True),
                _level(_same(c), "same date"),
                _level(f"{_side(c, 'l')} = {_side(swap, 'r')}", "day and month swapped"),
                _level(f"levenshtein({_side(c, 'l')}, {_side(c, 'r')}) <= 1", "one digit apart"),
                _level(f"substr({_side(c, 'l')}, 1, 4) = substr({_side(c, 'r')}, 1, 4)", "same year"),
                _level("ELSE", "different dates"),
            ],
        )
    if column.kind == "address":
        key = f"{c}__key"
        return cl.CustomComparison(
            output_column_name=c,
            comparison_levels=[
                _level(_either_null(c), "no address", is_null_level=True),
                _level(
                    f"{_same(key)} AND "
                    + " AND ".join(_compatible(f"{c}__{d}") for d in ("city", "district", "street")),
                    "same standard address, divisions compatible",
                ),
                _level(_same(key), "same standard address in another division"),
                _level(f"jaro_winkler_similarity({_side(c, 'l')}, {_side(c, 'r')}) >= 0.92", "similar text"),
                _level("ELSE", "different addresses"),
            ],
        )
    if column.kind == "free_text":
        return cl.JaccardAtThresholds(c, [0.8, 0.6])
    return cl.JaroWinklerAtThresholds(c, [0.95, 0.88])  # name, string
