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
    address_key,
    normalize_credit_code,
    normalize_phone,
    parse_date,
    parse_id_number,
    parse_person_name,
)
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
            out[column.name] = _unique_map(values, normalize_phone)
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
            out[f"{column.name}__key"] = _unique_map(values, address_key)
            out[column.name] = _unique_map(values, _text)
        else:  # name, string, free_text, exact
            out[column.name] = _unique_map(values, _text)
    return out


def derived_columns(columns: tuple[CompareColumn, ...]) -> list[str]:
    parts = {"chinese_person_name": ["pinyin", "sound", "surname"], "date": ["swap"], "address": ["key"]}
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


def comparison(column: CompareColumn, baseline: bool = False):
    """The Splink comparison for one column; `baseline` gives plain string and exact comparisons
    with no Chinese-specific handling (the yardstick `yiwang evaluate` reports beside ours)."""
    c = column.name
    if baseline:
        if column.kind in ("chinese_id_number", "credit_code", "phone", "exact"):
            return cl.ExactMatch(c)
        if column.kind == "date":
            return cl.LevenshteinAtThresholds(c, [1, 2])
        return cl.JaroWinklerAtThresholds(c, [0.95, 0.88])
    if column.kind in ("chinese_id_number", "credit_code", "exact"):
        return cl.ExactMatch(c)
    if column.kind == "phone":
        return cl.ExactMatch(c).configure(term_frequency_adjustments=column.term_frequency)
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
                _level(_same(key), "same standard address"),
                _level(f"jaro_winkler_similarity({_side(c, 'l')}, {_side(c, 'r')}) >= 0.92", "similar text"),
                _level("ELSE", "different addresses"),
            ],
        )
    if column.kind == "free_text":
        return cl.JaccardAtThresholds(c, [0.8, 0.6])
    return cl.JaroWinklerAtThresholds(c, [0.95, 0.88])  # name, string
