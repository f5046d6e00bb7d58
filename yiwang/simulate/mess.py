"""The mess real governance platforms contain, as vectorised transforms.

Every function takes clean values (a pandas Series, or anything array-like), a boolean
`mask` of the rows to mess (the caller decides the proportions) and, where it draws
anything, a ``numpy.random.Generator``. It returns a new Series with the same index and
name: rows outside the mask are unchanged, and so are nulls (None/NaN) and values the
transform does not apply to (a 15-character string given to `id_to_15`, a landline given
a mobile-only style, ...). Random draws are made only for the rows actually transformed,
in a fixed order, so a seed reproduces the output.

The string work runs on whole arrays (pyarrow compute kernels, byte buffers and numpy
code-point matrices); no function loops over rows in Python except where noted, and then
only over the masked rows.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from yiwang.simulate import names as _names

__all__ = [
    "ADDRESS_PARTS",
    "CANONICAL_ADDRESS_STYLE",
    "DEFAULT_ADDRESS_STYLE_PROBABILITIES",
    "DEFAULT_DATE_FORMATS",
    "AddressStyle",
    "address_style",
    "address_variants",
    "blank",
    "building_unit_room",
    "date_formats",
    "day_month_swap",
    "digit_typo",
    "event_text",
    "excel_serial_date",
    "fullwidth",
    "homophone_typo",
    "id_to_15",
    "lowercase_x",
    "mask_name",
    "middle_dot_variants",
    "phone_format",
    "render_address",
    "separators",
    "spreadsheet_mangle_id",
    "traditional",
    "wrong_check_character",
]


# --------------------------------------------------------------------------- plumbing
#
# Internally the rows to transform travel as a pyarrow LargeStringArray (non-null str only)
# with their positions; pandas 3 str Series are pyarrow-backed, so taking them out and
# putting the result back (pc.replace_with_mask) costs no per-row Python.

_LS = pa.large_string()


def _series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.Index):
        return pd.Series(values)
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    return pd.Series(arr)


def _mask(mask: Any, n: int) -> np.ndarray:
    if isinstance(mask, pd.Series):
        m = mask.fillna(False).to_numpy(dtype=bool)
    else:
        m = np.asarray(mask, dtype=bool)
    if m.shape != (n,):
        raise ValueError(f"mask has shape {m.shape}, values have {n} rows")
    return m


def _arrow_backed(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"


def _as_large(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == _LS else arr.cast(_LS)


def _targets(s: pd.Series, m: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Positions of masked rows holding a str, and those strings."""
    pos = np.flatnonzero(m)
    if _arrow_backed(s):
        taken = _as_large(pa.array(s)).take(pa.array(pos))
        valid = taken.is_valid().to_numpy(zero_copy_only=False)
        return pos[valid], taken.filter(pa.array(valid))
    sub = s.iloc[pos].to_numpy(dtype=object)
    is_str = np.fromiter((isinstance(v, str) for v in sub), dtype=bool, count=len(sub))
    return pos[is_str], pa.array(sub[is_str], type=_LS)


def _keep(pos: np.ndarray, arr: pa.Array, hit: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    return pos[hit], arr.filter(pa.array(hit))


def _result(s: pd.Series, pos: np.ndarray, new: pa.Array | np.ndarray) -> pd.Series:
    """Copy of `s` with the rows at positions `pos` (ascending) set to `new` (str or null).

    Keeps the dtype of `s` when it holds strings (pandas str or object), else object.
    """
    if _arrow_backed(s):
        base = _as_large(pa.array(s))
        if isinstance(new, np.ndarray):
            new = pa.array(new, type=_LS, from_pandas=True)
        hit = np.zeros(len(s), dtype=bool)
        hit[pos] = True
        merged = pc.replace_with_mask(base, pa.array(hit), _as_large(new))
        return pd.Series(s.dtype.__from_arrow__(merged), index=s.index, name=s.name)
    arr = s.to_numpy(dtype=object, copy=True)
    if len(pos):
        arr[pos] = new if isinstance(new, np.ndarray) else _np(new)
    keep = s.dtype == object or isinstance(s.dtype, pd.StringDtype)
    return pd.Series(arr, index=s.index, name=s.name, dtype=s.dtype if keep else object)


def _pa(strings: Any) -> pa.Array:
    if isinstance(strings, pa.Array | pa.ChunkedArray):
        return _as_large(strings)
    return pa.array(np.asarray(strings, dtype=object), type=_LS, from_pandas=True)


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    out = arr.to_numpy(zero_copy_only=False)
    return out if out.dtype == object else out.astype(object)


def _sl(arr: pa.Array, start: int, stop: int | None = None) -> pa.Array:
    return pc.utf8_slice_codeunits(arr, start, stop)


def _join(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    args = [_as_large(p) if isinstance(p, pa.Array | pa.ChunkedArray) else pa.scalar(p, _LS) for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", _LS))


def _assemble(base: pa.Array, pieces: Sequence[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """`base` with rows replaced: each piece is (row numbers, their new strings)."""
    pieces = [p for p in pieces if len(p[0])]
    if not pieces:
        return base
    rows = np.concatenate([p[0] for p in pieces])
    hit = np.zeros(len(base), dtype=bool)
    hit[rows] = True
    order = np.argsort(rows, kind="stable")
    new = pa.concat_arrays([_as_large(p[1]) for p in pieces]).take(pa.array(order))
    return pc.replace_with_mask(base, pa.array(hit), new)


def _lengths(arr: pa.Array) -> np.ndarray:
    return pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)


def _table(items: Sequence[str]) -> pa.Array:
    return pa.array(list(items), type=_LS)


def _pick(table: pa.Array, idx: np.ndarray) -> pa.Array:
    """table[idx] as an arrow array (idx: numpy integers)."""
    return table.take(pa.array(np.asarray(idx, dtype=np.int64)))


def _objarr(items: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out


def _choice(rng: np.random.Generator, n: int, weights: Mapping[Any, float]) -> np.ndarray:
    """Index into `weights` (dict order) drawn for n rows."""
    w = np.array([float(v) for v in weights.values()])
    if len(w) == 0 or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"bad weights: {dict(weights)}")
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").clip(0, len(w) - 1)


def _check_styles(given: Mapping[str, float], known: Mapping[str, float]) -> dict[str, float]:
    unknown = set(given) - set(known)
    if unknown:
        raise ValueError(f"unknown styles {sorted(unknown)}; use {sorted(known)}")
    return dict(given)


def _matches(strings: Any, pattern: str) -> np.ndarray:
    arr = _pa(strings)
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    return pc.match_substring_regex(arr, pattern).fill_null(False).to_numpy(zero_copy_only=False)


def _bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets relative to the first string, UTF-8 data) of a LargeStringArray."""
    arr = _as_large(arr)
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


def _from_bytes(n: int, offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(np.ascontiguousarray(offsets, dtype=np.int64)), pa.py_buffer(data)
    )


def _ascii_matrix(arr: pa.Array, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of strings that all have exactly `width` ASCII bytes."""
    _, data = _bytes(arr)
    return data.reshape(len(arr), width).copy()


def _matrix_strings(mat: np.ndarray) -> pa.Array:
    n, w = mat.shape
    return _from_bytes(n, np.arange(0, n * w + 1, w, dtype=np.int64), mat.tobytes())


@cache
def _ascii_lut(table: tuple[tuple[str, str], ...]) -> tuple[np.ndarray, np.ndarray]:
    reps = [bytes([b]) for b in range(256)]
    for k, v in table:
        if len(k) != 1 or ord(k) >= 0x80:
            raise ValueError(f"only single ASCII characters can be translated, not {k!r}")
        reps[ord(k)] = v.encode("utf-8")
    width = max(len(r) for r in reps)
    lens = np.array([len(r) for r in reps], dtype=np.uint8)
    mat = np.zeros((256, width), dtype=np.uint8)
    for b, r in enumerate(reps):
        mat[b, : len(r)] = np.frombuffer(r, dtype=np.uint8)
    return lens, mat


def _translate_ascii(arr: pa.Array, table: Mapping[str, str]) -> pa.Array:
    """str.translate for single ASCII characters, on the UTF-8 bytes of all strings at once."""
    arr = _pa(arr)
    n = len(arr)
    if n == 0:
        return arr
    lens_lut, rep = _ascii_lut(tuple(sorted(table.items())))
    offsets, data = _bytes(arr)
    if len(data) == 0:
        return arr
    width = rep.shape[1]
    lens = lens_lut[data]
    if width <= 4:  # gather 4-byte words (faster than a 2-D gather), then trim
        words = np.zeros((256, 4), dtype=np.uint8)
        words[:, :width] = rep
        out_mat = words.view(np.uint32).ravel()[data].view(np.uint8).reshape(-1, 4)[:, :width]
    else:
        out_mat = rep[data]  # (bytes, width): each byte's replacement, zero-padded
    if (lens == width).all():  # e.g. all printable ASCII into full-width: no padding
        return _from_bytes(n, offsets * width, out_mat.ravel())
    out = out_mat[lens[:, None] > np.arange(width)[None, :]]
    byte_len = np.diff(offsets)
    new_len = np.zeros(n, dtype=np.int64)
    nonempty = byte_len > 0
    new_len[nonempty] = np.add.reduceat(lens, offsets[:-1][nonempty], dtype=np.int64)
    new_offsets = np.concatenate([[0], np.cumsum(new_len)])
    return _from_bytes(n, new_offsets, out)


# --------------------------------------------------------------------------- characters

_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def fullwidth(values: Any, mask: Any, *, ideographic_space: bool = False) -> pd.Series:
    """ASCII letters, digits and punctuation -> full-width forms (3 -> ３, X -> Ｘ, - -> －).

    Imitates records typed with a Chinese input method left in full-width mode (全角), as
    in ``３３０６０２１９９００１０１１２３Ｘ`` or ``１３８１２３４５６７８``. With
    `ideographic_space` a space becomes U+3000 too.
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    table = dict(_FULLWIDTH)
    if ideographic_space:
        table[" "] = "\u3000"
    return _result(s, pos, _translate_ascii(arr, table))


def lowercase_x(values: Any, mask: Any) -> pd.Series:
    """ID numbers ending in X (also full-width Ｘ) -> lower-case x.

    Imitates hand-typed or OCR'd citizen ID numbers whose check character was entered
    in lower case, which strict equality joins then miss.
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    pos, arr = _keep(pos, arr, _matches(arr, "[XＸ]$"))
    new = pc.replace_substring_regex(pc.replace_substring_regex(arr, "X$", "x"), "Ｘ$", "ｘ")
    return _result(s, pos, new)


def id_to_15(values: Any, mask: Any) -> pd.Series:
    """18-character ID numbers -> the old 15-digit form (drop century digits and check).

    Imitates people still registered with, or quoting, their first-generation 15-digit ID
    (before 1999): ``330602199001011234`` -> ``330602900101123``. Values that are not 18
    characters long, and numbers of people born after 1999 (who never had a 15-digit number),
    are left alone.
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    pos, arr = _keep(pos, arr, _lengths(arr) == 18)
    pos, arr = _keep(pos, arr, _matches(arr, r"^.{6}19"))
    return _result(s, pos, _join(_sl(arr, 0, 6), _sl(arr, 8, 17)))


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def _id_check_index(mat: np.ndarray) -> np.ndarray:
    """Index into "10X98765432" of the GB 11643 (ISO 7064 MOD 11-2) check character."""
    return ((mat[:, :17].astype(np.int64) - 48) @ _ID_WEIGHTS) % 11


def wrong_check_character(values: Any, mask: Any, rng: np.random.Generator) -> pd.Series:
    """Replace the check character of 18-character IDs by another of 0-9/X, never the right one.

    Imitates a mistyped last digit, or an ID number fabricated to fill a mandatory field:
    the result looks valid but fails the GB 11643 MOD 11-2 check. Only values of 17 ASCII
    digits plus a check character are touched; one draw per such row.
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    pos, arr = _keep(pos, arr, _matches(arr, r"^\d{17}[0-9Xx]$"))
    if len(arr) == 0:
        return _result(s, pos, arr)
    mat = _ascii_matrix(arr, 18)
    right = _id_check_index(mat)
    wrong = (right + rng.integers(1, 11, len(arr))) % 11
    mat[:, 17] = _ID_CHECK[wrong]
    return _result(s, pos, _matrix_strings(mat))


_MANGLE_STYLES = {"scientific": 0.45, "zeros": 0.45, "float": 0.10}


def spreadsheet_mangle_id(
    values: Any,
    mask: Any,
    rng: np.random.Generator,
    styles: Mapping[str, float] | None = None,
) -> pd.Series:
    """What Excel does to a long all-digit ID typed into a numeric (General) cell.

    Excel keeps 15 significant digits: ``330602199001011234`` is stored as
    ``330602199001011000`` (style "zeros"), shown in a narrow column as ``3.30602E+17``
    ("scientific", 6 significant digits, trailing zeros dropped), and read back by pandas
    as the float ``3.30602199001011e+17`` ("float"). Weights default to 0.45/0.45/0.10.
    Only all-digit values of 12 or more digits are touched: an ID ending in X stays text
    in Excel too.
    """
    weights = _check_styles(_MANGLE_STYLES if styles is None else styles, _MANGLE_STYLES)
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    pos, arr = _keep(pos, arr, _matches(arr, r"^\d{12,}$"))
    n = len(arr)
    if n == 0:
        return _result(s, pos, arr)
    style = _choice(rng, n, weights)
    length = _lengths(arr)
    pieces: list[tuple[np.ndarray, pa.Array]] = []
    for i, key in enumerate(weights):
        rows = np.flatnonzero(style == i)
        if len(rows) == 0:
            continue
        sub = _pick(arr, rows)
        sub_len = length[rows]
        # 15 significant digits, then zeros
        pad = _table(["0" * k for k in range(max(int(sub_len.max()) - 14, 1))])
        zeros = _join(_sl(sub, 0, 15), _pick(pad, np.maximum(sub_len - 15, 0)))
        if key == "zeros":
            pieces.append((rows, zeros))
        elif key == "float":
            as_float = pc.cast(zeros, pa.float64()).to_numpy(zero_copy_only=False)
            pieces.append((rows, pa.array(as_float.astype(str).astype(object), type=_LS)))
        else:
            first7 = _ascii_matrix(_sl(sub, 0, 7), 7).astype(np.int64) - 48
            m7 = first7 @ (10 ** np.arange(6, -1, -1, dtype=np.int64))
            r6 = (m7 + 5) // 10
            exp = sub_len - 1
            over = r6 >= 1_000_000
            r6[over] //= 10
            exp[over] += 1
            mant = pc.replace_substring_regex(pa.array(r6).cast(_LS), r"^(\d)(\d*?)0*$", r"\1.\2")
            mant = pc.replace_substring_regex(mant, r"\.$", "")
            pieces.append((rows, _join(mant, "E+", pa.array(exp).cast(_LS))))
    return _result(s, pos, _assemble(arr, pieces))


# Where to cut identifiers of a given length into groups.
_GROUPS = {18: (6, 14), 15: (6, 12), 11: (3, 7), 12: (4,), 10: (3, 6), 8: (4,), 7: (3,)}
_SEPARATOR_STYLES = {"space": 0.45, "dash": 0.35, "pad": 0.20}


def separators(
    values: Any,
    mask: Any,
    rng: np.random.Generator,
    *,
    styles: Mapping[str, float] | None = None,
    pad_probability: float = 0.15,
) -> pd.Series:
    """Spaces or dashes inside identifiers and phones, and stray leading/trailing spaces.

    Imitates numbers typed in groups or pasted from documents: ``330602 19900101 1234``,
    ``330602-19900101-1234``, ``138-1234-5678``, ``138 1234 5678``, `` 13812345678 ``.
    Groups follow the value's length (18: 6-8-4, 15: 6-6-3, 11: 3-4-4, 12: 4-8, 8: 4-4;
    other lengths are cut in the middle). `styles` weights "space", "dash" and "pad"
    (padding only; default 0.45/0.35/0.20); grouped values are also padded with
    probability `pad_probability`.
    """
    weights = _check_styles(_SEPARATOR_STYLES if styles is None else styles, _SEPARATOR_STYLES)
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    n = len(arr)
    if n == 0:
        return _result(s, pos, arr)
    style = np.array(list(weights), dtype=object)[_choice(rng, n, weights)]
    pad = (style == "pad") | (rng.random(n) < pad_probability)
    pad_kind = rng.integers(0, 3, n)  # 0 leading, 1 trailing, 2 both
    grouped = style != "pad"
    length = _lengths(arr)
    sep = pa.array(np.where(style == "dash", "-", " ").astype(object), type=_LS)
    pieces: list[tuple[np.ndarray, pa.Array]] = []
    for length_value in np.unique(length[grouped]):
        rows = np.flatnonzero(grouped & (length == length_value))
        cuts = _GROUPS.get(int(length_value), (int(length_value) // 2,))
        cuts = tuple(c for c in cuts if 0 < c < length_value)
        if not cuts:
            continue
        sub, sub_sep = _pick(arr, rows), _pick(sep, rows)
        parts: list[Any] = []
        for a, b in itertools.pairwise((0, *cuts, None)):
            if parts:
                parts.append(sub_sep)
            parts.append(_sl(sub, a, b))
        pieces.append((rows, _join(*parts)))
    arr = _assemble(arr, pieces)
    lead = pa.array(pad & (pad_kind != 1))
    trail = pa.array(pad & (pad_kind != 0))
    arr = pc.if_else(lead, _join(" ", arr), arr)
    arr = pc.if_else(trail, _join(arr, " "), arr)
    return _result(s, pos, arr)


@cache
def _opencc_s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def traditional(values: Any, mask: Any) -> pd.Series:
    """Simplified -> traditional characters (OpenCC s2t): 张伟 -> 張偉, 绍兴市 -> 紹興市.

    Imitates records entered by people from Hong Kong, Macao or Taiwan, or typed with a
    traditional-character input method. Converts each distinct value once (in one OpenCC
    call over the joined distinct values).
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    if len(arr) == 0:
        return _result(s, pos, arr)
    encoded = arr.dictionary_encode()
    uniq = encoded.dictionary.to_pylist()
    cc = _opencc_s2t()
    if any("\n" in u for u in uniq):
        converted = [cc.convert(u) for u in uniq]
    else:
        converted = cc.convert("\n".join(uniq)).split("\n")
        if len(converted) != len(uniq):  # pragma: no cover - defensive
            converted = [cc.convert(u) for u in uniq]
    return _result(s, pos, _table(converted).take(encoded.indices))


# --------------------------------------------------------------------------- names


@cache
def _gb2312_level1() -> list[str]:
    """The 3,755 most common characters (GB2312 level 1, rows 0xB0-0xD7)."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


@cache
def _homophones() -> dict[str, np.ndarray]:
    """Homophone groups (toneless pinyin) over common characters, as lookup arrays.

    Targets are GB2312 level-1 characters plus every character of the name pools; rare
    name characters (喆, 䶮, ...) can be replaced but are never chosen as replacements.
    """
    from pypinyin import Style, lazy_pinyin

    d = _names._data("names.yaml")
    name_chars: list[str] = []
    for g in d["generations"]:
        for sex in ("male", "female"):
            spec = g[sex]
            name_chars += _names._chars(spec["single"] + spec["first"] + spec["second"])
            name_chars += _names._chars("".join(spec["popular"]))
    for sex in ("male", "female"):
        name_chars += _names._chars(d["broad_extra"][sex])
    targets = list(dict.fromkeys(_gb2312_level1() + name_chars))
    sources = list(dict.fromkeys(targets + list(_names.RARE_CHARACTERS)))

    def reading(ch: str) -> str | None:
        py = lazy_pinyin(ch, style=Style.NORMAL, errors=lambda _: [])  # no reading: nothing
        return py[0] if py and py[0].isascii() and py[0].isalpha() else None

    groups: dict[str, list[str]] = {}
    for ch in targets:
        r = reading(ch)
        if r:
            groups.setdefault(r, []).append(ch)
    keys = list(groups)
    start = np.zeros(len(keys), dtype=np.int64)
    size = np.zeros(len(keys), dtype=np.int64)
    members: list[int] = []
    for i, k in enumerate(keys):
        start[i] = len(members)
        size[i] = len(groups[k])
        members += [ord(c) for c in groups[k]]
    group_index = {k: i for i, k in enumerate(keys)}
    member_pos = {ord(c): j for k in keys for j, c in enumerate(groups[k])}
    src = []
    for ch in sources:
        r = reading(ch)
        if r:
            g = group_index[r]
            own = member_pos.get(ord(ch), -1) if ch in groups[r] else -1
            src.append((ord(ch), start[g], size[g], own))
    src.sort()
    table = np.array(src, dtype=np.int64)
    dense = np.full(int(table[:, 0].max()) + 2, -1, dtype=np.int64)
    dense[table[:, 0]] = np.arange(len(table))
    return {
        "dense": dense,
        "cp": table[:, 0],
        "start": table[:, 1],
        "size": table[:, 2],
        "own": table[:, 3],
        "members": np.array(members, dtype=np.int64),
    }


def _surname_length(arr: pa.Array) -> np.ndarray:
    """1, or 2 where the name starts with a compound surname (欧阳, 上官 ...)."""
    first2 = _sl(arr, 0, 2)
    compound = pc.is_in(first2, value_set=_table(_names.COMPOUND_SURNAMES))
    return np.where(compound.to_numpy(zero_copy_only=False), 2, 1)


def homophone_typo(values: Any, mask: Any, rng: np.random.Generator) -> pd.Series:
    """Replace one character of the given name by another with the same (toneless) pinyin.

    Imitates names typed with a pinyin input method where the wrong candidate was picked
    (李静 -> 李晶, 王伟 -> 王维, 张喆 -> 张哲). The surname (first character, or two for a
    compound surname) is kept; the position is drawn among the characters that have a
    homophone, so the result differs from the input whenever any has one. Names without
    such a character are left alone. Replacements come from the 3,755 common (GB2312
    level 1) characters and the name pools of `yiwang.simulate.names`.
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    n = len(arr)
    if n == 0:
        return _result(s, pos, arr)
    h = _homophones()
    u = np.array(arr.to_pylist(), dtype=str)
    width = u.dtype.itemsize // 4
    if width == 0:
        return _result(s, pos, arr)
    codes = u.view(np.uint32).reshape(n, width).astype(np.int64)
    dense = h["dense"]
    k = dense[np.minimum(codes, len(dense) - 1)]  # row in the table, -1 if none
    found = k >= 0
    avail = h["size"][k] - (h["own"][k] >= 0)
    col = np.arange(width)[None, :]
    eligible = found & (avail >= 1) & (col >= _surname_length(arr)[:, None])
    keys = rng.random((n, width))
    keys[~eligible] = -1.0
    at = keys.argmax(axis=1)
    rows = np.flatnonzero(eligible.any(axis=1))
    kk = k[rows, at[rows]]
    start, size, own = h["start"][kk], h["size"][kk], h["own"][kk]
    draw = rng.random(len(rows))
    j = np.where(
        own >= 0,
        (own + 1 + np.floor(draw * (size - 1)).astype(np.int64)) % np.maximum(size, 1),
        np.floor(draw * size).astype(np.int64),
    )
    codes[rows, at[rows]] = h["members"][start + j]
    new = codes.astype(np.uint32).view(u.dtype).ravel()
    return _result(s, pos, pa.array(new.tolist(), type=_LS))


_MASK_STYLES = {"mou": 0.30, "moumou": 0.05, "title": 0.30, "stars": 0.25, "anonymous": 0.10}


def mask_name(
    values: Any,
    mask: Any,
    rng: np.random.Generator,
    *,
    sex: Any = None,
    styles: Mapping[str, float] | None = None,
) -> pd.Series:
    """Hide a name the way call-takers and privacy rules do: 张伟 -> 张某 / 张某某 / 张先生 /
    张女士 / 张* / 张** / 匿名.

    Imitates 12345 callers who give only a surname, anonymised exports and reporters who
    stay anonymous. Styles "mou", "moumou", "title", "stars" (one * per given-name
    character) and "anonymous" are weighted by `styles` (default 0.30/0.05/0.30/0.25/0.10).
    `sex` (same length as `values`; 1/2, 男/女 or M/F) picks 先生 or 女士; without it the
    title is drawn at random. Compound surnames (欧阳, 上官 ...) are kept whole.
    """
    weights = _check_styles(_MASK_STYLES if styles is None else styles, _MASK_STYLES)
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    n = len(arr)
    if n == 0:
        return _result(s, pos, arr)
    style = np.array(list(weights), dtype=object)[_choice(rng, n, weights)]
    female = rng.random(n) < 0.5
    if sex is not None:
        sx = pd.Series(np.asarray(sex, dtype=object)).iloc[pos].astype(str).to_numpy()
        is_f = np.isin(sx, ["2", "女", "F", "f"])
        is_m = np.isin(sx, ["1", "男", "M", "m"])
        female = np.where(is_f | is_m, is_f, female)
    slen = _surname_length(arr)
    surname = pc.if_else(pa.array(slen == 2), _sl(arr, 0, 2), _sl(arr, 0, 1))
    given_len = np.clip(_lengths(arr) - slen, 1, 8)
    suffixes = ["某", "某某", "先生", "女士", *("*" * i for i in range(1, 9))]
    idx = np.zeros(n, dtype=np.int64)
    idx[style == "moumou"] = 1
    title = style == "title"
    idx[title] = np.where(female[title], 3, 2)
    stars = style == "stars"
    idx[stars] = 3 + given_len[stars]
    out = _join(surname, _pick(_table(suffixes), idx))
    out = pc.if_else(pa.array(style == "anonymous"), pa.scalar("匿名", _LS), out)
    return _result(s, pos, out)


_DOTS = {"•": 0.3, "．": 0.15, ".": 0.2, "・": 0.1, "": 0.15, " ": 0.1}


def middle_dot_variants(
    values: Any, mask: Any, rng: np.random.Generator, styles: Mapping[str, float] | None = None
) -> pd.Series:
    """Replace the middle dot of transliterated names (买买提·艾力) by a look-alike or nothing.

    Imitates systems and input methods without U+00B7: 买买提•艾力 (bullet), 买买提．艾力
    (full-width full stop), 买买提.艾力, 买买提・艾力 (katakana dot), 买买提艾力, 买买提 艾力.
    `styles` maps replacement -> weight. Only values containing "·" are touched.
    """
    weights = dict(_DOTS if styles is None else styles)
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    pos, arr = _keep(pos, arr, _matches(arr, "·"))
    if len(arr) == 0:
        return _result(s, pos, arr)
    style = _choice(rng, len(arr), weights)
    out = arr
    for i, key in enumerate(weights):
        sel = pa.array(style == i)
        out = pc.if_else(sel, pc.replace_substring(arr, "·", key), out)
    return _result(s, pos, out)


# --------------------------------------------------------------------------- digits


def digit_typo(values: Any, mask: Any, rng: np.random.Generator) -> pd.Series:
    """One keying error in an all-digit value: a digit replaced, or two adjacent swapped.

    Imitates data-entry slips in phone and ID numbers (13812345678 -> 13812354678), the
    near-misses entity resolution must weigh. The result always differs from the input;
    values that are not all ASCII digits (or shorter than 2) are left alone.
    """
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    pos, arr = _keep(pos, arr, _matches(arr, r"^\d{2,}$"))
    n = len(arr)
    if n == 0:
        return _result(s, pos, arr)
    swap_draw = rng.random(n) < 0.5
    length = _lengths(arr)
    pieces: list[tuple[np.ndarray, pa.Array]] = []
    for width in np.unique(length):
        rows = np.flatnonzero(length == width)
        w = int(width)
        mat = _ascii_matrix(_pick(arr, rows), w)
        r = np.arange(len(rows))
        # swap two adjacent different digits where drawn and possible, else substitute one
        diff = mat[:, 1:] != mat[:, :-1]
        keys = rng.random((len(rows), w - 1))
        keys[~diff] = -1.0
        i = keys.argmax(axis=1)
        sw = r[diff.any(axis=1) & swap_draw[rows]]
        left = mat[sw, i[sw]].copy()
        mat[sw, i[sw]] = mat[sw, i[sw] + 1]
        mat[sw, i[sw] + 1] = left
        swapped = np.zeros(len(rows), dtype=bool)
        swapped[sw] = True
        su = r[~swapped]
        j = rng.integers(0, w, len(su))
        old = mat[su, j].astype(np.int64) - 48
        mat[su, j] = ((old + rng.integers(1, 10, len(su))) % 10 + 48).astype(np.uint8)
        pieces.append((rows, _matrix_strings(mat)))
    return _result(s, pos, _assemble(arr, pieces))


_MOBILE_STYLES = {
    "+86 space": 0.14,
    "+86 dashes": 0.08,
    "0086": 0.05,
    "86-": 0.05,
    "+86": 0.08,
    "spaces": 0.20,
    "dashes": 0.20,
    "fullwidth": 0.20,
}
_LANDLINE_STYLES = {
    "(area)": 0.25,
    "area space": 0.20,
    "local": 0.25,
    "area-": 0.10,
    "area": 0.10,
    "+86": 0.05,
    "fullwidth": 0.05,
}


def _mobile(d: pa.Array, key: str) -> pa.Array:
    a, b, c = _sl(d, 0, 3), _sl(d, 3, 7), _sl(d, 7)
    if key == "+86 space":
        return _join("+86 ", d)
    if key == "+86 dashes":
        return _join("+86-", a, "-", b, "-", c)
    if key == "0086":
        return _join("0086 ", d)
    if key == "86-":
        return _join("86-", d)
    if key == "+86":
        return _join("+86", d)
    if key == "spaces":
        return _join(a, " ", b, " ", c)
    if key == "dashes":
        return _join(a, "-", b, "-", c)
    return _translate_ascii(d, _FULLWIDTH)


def _landline(d: pa.Array, key: str, area_len: int) -> pa.Array:
    area, local = _sl(d, 0, area_len), _sl(d, area_len)
    if key == "(area)":
        return _join("(", area, ")", local)
    if key == "area space":
        return _join(area, " ", local)
    if key == "local":
        return local
    if key == "area-":
        return _join(area, "-", local)
    if key == "area":
        return _join(area, local)
    if key == "+86":
        return _join("+86 ", _sl(d, 1, area_len), " ", local)
    return _translate_ascii(_join(area, "-", local), _FULLWIDTH)


def phone_format(
    values: Any,
    mask: Any,
    rng: np.random.Generator,
    *,
    mobile_styles: Mapping[str, float] | None = None,
    landline_styles: Mapping[str, float] | None = None,
) -> pd.Series:
    """Phone numbers in the forms people type them.

    Mobiles (11 digits from 1): ``+86 13812345678`` ("+86 space"), ``+86-138-1234-5678``
    ("+86 dashes"), ``0086 13812345678``, ``86-13812345678``, ``+8613812345678`` ("+86"),
    ``138 1234 5678`` ("spaces"), ``138-1234-5678`` ("dashes"), ``１３８１２３４５６７８``
    ("fullwidth"). Landlines (area code from 0, written ``0575-88123456`` or
    ``057588123456``; 01x/02x codes have 3 digits, others 4): ``(0575)88123456``,
    ``0575 88123456``, ``88123456`` ("local": area code dropped), ``0575-88123456``
    ("area-"), ``057588123456`` ("area"), ``+86 575 88123456``, full-width. Weights may
    be overridden by style name. Anything else is left alone.
    """
    mw = _check_styles(_MOBILE_STYLES if mobile_styles is None else mobile_styles, _MOBILE_STYLES)
    lw = _check_styles(_LANDLINE_STYLES if landline_styles is None else landline_styles, _LANDLINE_STYLES)
    s = _series(values)
    pos, arr = _targets(s, _mask(mask, len(s)))
    n = len(arr)
    if n == 0:
        return _result(s, pos, arr)
    digits = pc.replace_substring_regex(arr, r"[\s\-()（）]", "")
    mobile = _matches(digits, r"^1\d{10}$")
    landline = _matches(digits, r"^0\d{9,11}$") & ~mobile
    short_area = _matches(digits, "^0[12]")
    mobile_style = _choice(rng, n, mw)
    landline_style = _choice(rng, n, lw)
    pieces: list[tuple[np.ndarray, pa.Array]] = []
    for i, key in enumerate(mw):
        rows = np.flatnonzero(mobile & (mobile_style == i))
        if len(rows):
            pieces.append((rows, _mobile(_pick(digits, rows), key)))
    for area_len, in_group in ((3, short_area), (4, ~short_area)):
        for i, key in enumerate(lw):
            rows = np.flatnonzero(landline & in_group & (landline_style == i))
            if len(rows):
                pieces.append((rows, _landline(_pick(digits, rows), key, area_len)))
    if not pieces:
        return _result(s, pos[:0], arr[:0])
    rows = np.concatenate([p[0] for p in pieces])
    order = np.argsort(rows, kind="stable")
    new = pa.concat_arrays([_as_large(p[1]) for p in pieces]).take(pa.array(order))
    return _result(s, pos[rows[order]], new)


# --------------------------------------------------------------------------- addresses

ADDRESS_PARTS = (
    "province",
    "city",
    "district",
    "street",
    "community",
    "road",
    "road_number",
    "compound",
    "building",
    "unit",
    "room",
)
"""Columns `render_address` and `address_variants` read (missing columns count as empty)."""


@dataclass(frozen=True)
class AddressStyle:
    """How to write an address.

    admin:     "full" (province city district street), "short" (浙江绍兴越城区..., 省/市
               dropped), "city", "district", "street" or "none"
    community: include the community (社区) name
    locator:   "both" (road + number, then compound), "compound" or "road"
    building:  "幢" | "号楼" | "栋" | "座" | "#" | "cn幢" | "cn栋" | "cn号楼" (cn: 三幢)
    unit:      "单元" | "cn单元" (二单元) | "-" (2-502)
    room:      "室" | "" | "号"
    compact:   building-unit-room as 3-2-502 (room suffix still applies)
    space:     probability of a space between two components (needs an rng)
    """

    admin: str = "full"
    community: bool = True
    locator: str = "both"
    building: str = "幢"
    unit: str = "单元"
    room: str = "室"
    compact: bool = False
    space: float = 0.0


CANONICAL_ADDRESS_STYLE = AddressStyle()
"""The ground-truth form: 浙江省绍兴市越城区城南街道翠湖社区中兴路88号阳光花园3幢2单元502室."""

_ADDRESS_OPTIONS: dict[str, tuple[Any, ...]] = {
    "admin": ("full", "short", "city", "district", "street", "none"),
    "community": (True, False),
    "locator": ("both", "compound", "road"),
    "building": ("幢", "号楼", "栋", "座", "#", "cn幢", "cn栋", "cn号楼"),
    "unit": ("单元", "cn单元", "-"),
    "room": ("室", "", "号"),
    "compact": (False, True),
}

DEFAULT_ADDRESS_STYLE_PROBABILITIES: dict[str, Any] = {
    "admin": {
        "full": 0.20,
        "short": 0.05,
        "city": 0.20,
        "district": 0.25,
        "street": 0.12,
        "none": 0.18,
    },
    "community": {True: 0.25, False: 0.75},
    "locator": {"both": 0.20, "compound": 0.65, "road": 0.15},
    "building": {
        "幢": 0.28,
        "号楼": 0.20,
        "栋": 0.20,
        "座": 0.03,
        "#": 0.07,
        "cn幢": 0.08,
        "cn栋": 0.08,
        "cn号楼": 0.06,
    },
    "unit": {"单元": 0.60, "cn单元": 0.20, "-": 0.20},
    "room": {"室": 0.60, "": 0.30, "号": 0.10},
    "compact": {False: 0.85, True: 0.15},
    "space": 0.08,
}
"""Per-dimension option weights `address_variants` uses; override any dimension."""


def _cn_numerals() -> list[str]:
    digits = "零一二三四五六七八九"
    out = ["", *digits[1:]]
    for tens in range(1, 10):
        for ones in range(10):
            head = "十" if tens == 1 else digits[tens] + "十"
            out.append(head + (digits[ones] if ones else ""))
    return out  # index 0..99


_CN = _table(_cn_numerals())


def _text(parts: pd.DataFrame, col: str) -> pa.Array:
    """A part as a string array, "" where missing (whole numbers without .0)."""
    n = len(parts)
    if col not in parts.columns:
        return pa.array(np.full(n, "", dtype=object), type=_LS)
    c = parts[col]
    if pd.api.types.is_integer_dtype(c):
        return pa.array(c).cast(_LS).fill_null("")
    if pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c):
        num = pd.to_numeric(c, errors="coerce")
        whole = (num.notna() & (num == num.round())).to_numpy()
        vals = pa.array(num.to_numpy(dtype=float), from_pandas=True)
        as_int = pc.cast(vals.fill_null(0), pa.int64(), safe=False).cast(_LS)
        as_float = vals.cast(_LS)
        out = pc.if_else(pa.array(whole), as_int, as_float)
        return out.fill_null("")
    if _arrow_backed(c):
        return _as_large(pa.array(c)).fill_null("")
    objs = c.astype(object).where(c.notna(), "").astype(str).to_numpy(dtype=object)
    return pa.array(objs, type=_LS)


def _to_cn(values: pa.Array) -> pa.Array:
    """Small numbers (1-99, all digits) as Chinese numerals; anything else unchanged.

    Works on the distinct values (building and unit numbers repeat a lot)."""
    if len(values) == 0:
        return values
    enc = values.dictionary_encode()
    uniq = enc.dictionary
    ok = _matches(uniq, r"^(0?[1-9]|[1-9]\d)$")
    if not ok.any():
        return values
    num = np.zeros(len(uniq), dtype=np.int64)
    num[ok] = pc.cast(uniq.filter(pa.array(ok)), pa.int64()).to_numpy()
    return pc.if_else(pa.array(ok), _pick(_CN, num), uniq).take(enc.indices)


def _nonempty(a: pa.Array) -> np.ndarray:
    return pc.not_equal(a, "").to_numpy(zero_copy_only=False)


def _when(cond: np.ndarray, a: pa.Array | str, b: pa.Array | str = "") -> pa.Array:
    a = a if isinstance(a, pa.Array) else pa.scalar(a, _LS)
    other = b if isinstance(b, pa.Array) else pa.scalar(b, _LS)
    return pc.if_else(pa.array(cond), a, other)


def _suffixed(value: pa.Array, suffix: pa.Array | str) -> pa.Array:
    """value + suffix where value is non-empty, else ""."""
    return _when(_nonempty(value), _join(value, suffix))


def _on_rows(base: pa.Array, rows: np.ndarray, fn: Any) -> pa.Array:
    """`base` with `fn(base[rows])` written into `rows` (fn works on the subset only)."""
    if len(rows) == 0:
        return base
    return _assemble(base, [(rows, fn(_pick(base, rows)))])


def _render(
    parts: pd.DataFrame, opts: dict[str, np.ndarray], space: float, rng: np.random.Generator | None
) -> pd.Series:
    n = len(parts)
    t = {c: _text(parts, c) for c in ADDRESS_PARTS}

    def rows(dim: str, *labels: Any) -> np.ndarray:
        wanted = [_ADDRESS_OPTIONS[dim].index(x) for x in labels]
        return np.flatnonzero(np.isin(opts[dim], wanted))

    def flag(dim: str, *labels: Any) -> np.ndarray:
        return np.isin(opts[dim], [_ADDRESS_OPTIONS[dim].index(x) for x in labels])

    province, city = t["province"], t["city"]
    same = pc.equal(city, province).to_numpy(zero_copy_only=False)
    if same.any():  # municipalities: 上海市上海市 -> 上海市
        city = _when(same, "", city)
    short = rows("admin", "short")
    province = _on_rows(province, short, lambda a: pc.replace_substring_regex(a, "(.{2,})[省市]$", r"\1"))
    city = _on_rows(city, short, lambda a: pc.replace_substring_regex(a, "(.{2,})市$", r"\1"))
    keep_province = flag("admin", "full", "short")
    keep_city = flag("admin", "full", "short", "city")
    keep_district = flag("admin", "full", "short", "city", "district")
    keep_street = flag("admin", "full", "short", "city", "district", "street")

    road = _when(_nonempty(t["road"]), _join(t["road"], _suffixed(t["road_number"], "号")))
    compound = t["compound"]
    has_road, has_compound = _nonempty(road), _nonempty(compound)
    use_road = ~flag("locator", "compound") | ~has_compound
    use_compound = ~flag("locator", "road") | ~has_road

    b, u, r = t["building"], t["unit"], t["room"]
    b_suffixes = _table([x.removeprefix("cn") for x in _ADDRESS_OPTIONS["building"]])
    b_num = _on_rows(b, rows("building", "cn幢", "cn栋", "cn号楼"), _to_cn)
    building = _suffixed(b_num, _pick(b_suffixes, opts["building"]))
    u_num = _on_rows(u, rows("unit", "cn单元"), _to_cn)
    unit = _suffixed(u_num, _pick(_table(["单元", "单元", "-"]), opts["unit"]))
    r_suffix = _pick(_table([str(x) for x in _ADDRESS_OPTIONS["room"]]), opts["room"])
    room = _suffixed(r, r_suffix)
    compact = rows("compact", True)
    if len(compact):
        cb, cu, cr = _pick(b, compact), _pick(u, compact), _pick(r, compact)
        joined = _when(_nonempty(cu), _join(cb, "-", cu), cb)
        joined = _when(_nonempty(cr), _join(joined, "-", cr, _pick(r_suffix, compact)), joined)
        empty = pa.array(np.full(len(compact), "", dtype=object), type=_LS)
        building = _assemble(building, [(compact, joined)])
        unit = _assemble(unit, [(compact, empty)])
        room = _assemble(room, [(compact, empty)])

    components = [
        _when(keep_province, province),
        _when(keep_city, city),
        _when(keep_district, t["district"]),
        _when(keep_street, t["street"]),
        _when(flag("community", True), t["community"]),
        _when(use_road, road),
        _when(use_compound, compound),
        building,
        unit,
        room,
    ]
    if space <= 0 or rng is None:
        out = _join(*components)
    else:
        spaces = _table(["", " "])
        args: list[Any] = [components[0]]
        seen = _nonempty(components[0])
        dash = pc.ends_with(components[0], "-").to_numpy(zero_copy_only=False)
        for comp in components[1:]:
            has = _nonempty(comp)
            gap = (rng.random(n) < space) & has & seen & ~dash
            args += [_pick(spaces, gap.astype(np.int64)), comp]
            ends = pc.ends_with(comp, "-").to_numpy(zero_copy_only=False)
            dash = np.where(has, ends, dash)
            seen |= has
        out = _join(*args)
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.Series(dtype.__from_arrow__(out), index=parts.index)


def render_address(
    parts: pd.DataFrame,
    style: AddressStyle = CANONICAL_ADDRESS_STYLE,
    rng: np.random.Generator | None = None,
) -> pd.Series:
    """Write every address in one style; the default is the canonical full form (ground truth).

    ``parts`` has columns `ADDRESS_PARTS` (str or numbers; null or missing = absent part).
    The canonical form has every part in order, with building 幢, 单元 and 室:
    浙江省绍兴市越城区城南街道翠湖社区中兴路88号阳光花园3幢2单元502室. A style with
    `space` > 0 needs `rng`. Returns a str Series aligned with `parts`.
    """
    n = len(parts)
    opts = {}
    for f in fields(AddressStyle):
        if f.name == "space":
            continue
        value = getattr(style, f.name)
        if value not in _ADDRESS_OPTIONS[f.name]:
            raise ValueError(f"{f.name}={value!r}; choose from {_ADDRESS_OPTIONS[f.name]}")
        opts[f.name] = np.full(n, _ADDRESS_OPTIONS[f.name].index(value), dtype=np.int64)
    if style.space > 0 and rng is None:
        raise ValueError("a style with spaces needs an rng")
    return _render(parts, opts, style.space, rng)


def address_variants(
    parts: pd.DataFrame,
    rng: np.random.Generator,
    style_probabilities: Mapping[str, Any] | None = None,
) -> pd.Series:
    """Each address written the way a person might type it, style drawn per row.

    Imitates free-text address fields: province/city/district/street present or not
    (越城区城南街道..., 绍兴市..., 浙江绍兴...), the community sometimes, the compound or the
    road and number or both, building as 3幢 / 3号楼 / 3栋 / 三幢 / 3座 / 3#, unit as 2单元 /
    二单元 / 2-, room as 502室 / 502 / 502号, the compact 3-2-502, and random spaces.
    `style_probabilities` overrides dimensions of `DEFAULT_ADDRESS_STYLE_PROBABILITIES`
    (each a dict option -> weight, options missing from a given dict get weight 0;
    "space" is a probability per gap). Returns a str Series aligned with `parts`.
    """
    probs = dict(DEFAULT_ADDRESS_STYLE_PROBABILITIES)
    if style_probabilities:
        unknown = set(style_probabilities) - set(probs)
        if unknown:
            raise ValueError(f"unknown address style dimensions {sorted(unknown)}")
        probs.update(style_probabilities)
    n = len(parts)
    opts = {}
    for dim, options in _ADDRESS_OPTIONS.items():
        weights = probs[dim]
        bad = set(weights) - set(options)
        if bad:
            raise ValueError(f"{dim}: unknown options {sorted(bad, key=str)}")
        opts[dim] = _choice(rng, n, {o: float(weights.get(o, 0.0)) for o in options})
    return _render(parts, opts, float(probs["space"]), rng)


_BUR_STYLES: dict[str, dict[str, float]] = {
    "building": {"": 0.35, "幢": 0.20, "号楼": 0.15, "栋": 0.15, "cn幢": 0.05, "#": 0.05, "0": 0.05},
    "unit": {"": 0.50, "单元": 0.35, "cn单元": 0.10, "0": 0.05},
    "room": {"": 0.60, "室": 0.35, "0": 0.05},
}


def building_unit_room(
    parts: pd.DataFrame,
    rng: np.random.Generator,
    style_probabilities: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Building, unit and room as typed into separate columns (楼号, 单元号, 室号).

    Imitates house registers where the same 3 / 2 / 502 is entered as 3, 3幢, 3号楼, 3栋,
    三幢, 3# or 03; 2, 2单元, 二单元 or 02; 502, 502室 or 0502. Style names per column
    ("" bare, a suffix, "cn..." Chinese numeral, "0" zero-padded) are weighted by
    `style_probabilities` (a dict per column, replacing the defaults for that column).
    Missing parts stay null. Returns three str Series aligned with `parts`.
    """
    probs = {k: dict(v) for k, v in _BUR_STYLES.items()}
    for col, weights in (style_probabilities or {}).items():
        if col not in probs:
            raise ValueError(f"unknown column {col!r}; use building, unit or room")
        probs[col] = _check_styles(weights, _BUR_STYLES[col])
    out = []
    for col in ("building", "unit", "room"):
        value = _text(parts, col)
        style = np.array(list(probs[col]), dtype=object)[_choice(rng, len(parts), probs[col])]
        result = value
        for key in probs[col]:
            sel = style == key
            if not sel.any():
                continue
            if key == "0":
                width = 2 if col != "room" else 4
                new = pc.utf8_lpad(value, width, "0")
            elif key.startswith("cn"):
                new = _join(_to_cn(value), key.removeprefix("cn"))
            else:
                new = _join(value, key)
            result = _when(sel, new, result)
        result = _when(_nonempty(value), result, pa.nulls(len(parts), _LS))
        dtype = pd.StringDtype("pyarrow", na_value=np.nan)
        out.append(pd.Series(dtype.__from_arrow__(result), index=parts.index, name=col))
    return out[0], out[1], out[2]


def address_style(**changes: Any) -> AddressStyle:
    """The canonical style with some fields changed (convenience for `render_address`)."""
    return replace(CANONICAL_ADDRESS_STYLE, **changes)


# --------------------------------------------------------------------------- dates

DEFAULT_DATE_FORMATS = ("YYYYMMDD", "YYYY-MM-DD", "YYYY/M/D", "YYYY年M月D日")
"""Formats `date_formats` draws from by default (equal weights)."""

_TOKEN = re.compile(r"YYYY|YY|MM|M|DD|D|HH|H|mm|ss")


@cache
def _num_table(width: int, size: int) -> pa.Array:
    return _table([str(i).zfill(width) for i in range(size)])


def _datetimes(dates: Any) -> tuple[pd.Series, pd.Series]:
    """(original values as a Series, the same parsed as datetime64; strings as ISO 8601)."""
    s = _series(dates)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s, s
    return s, pd.to_datetime(s, errors="coerce", format="ISO8601")


def _render_dates(ts: pa.Array, fmt: str) -> pa.Array:
    """Render timestamps with a token format (YYYY YY MM M DD D HH H mm ss) or strftime."""
    if "%" in fmt:
        secs = pc.cast(ts, pa.timestamp("s", tz=ts.type.tz), safe=False)
        return _as_large(pc.strftime(secs, format=fmt))
    comp = {
        "YYYY": (pc.year, 4, 10000),
        "YY": (lambda x: pc.subtract(pc.year(x), pc.multiply(pc.divide(pc.year(x), 100), 100)), 2, 100),
        "MM": (pc.month, 2, 100),
        "M": (pc.month, 1, 100),
        "DD": (pc.day, 2, 100),
        "D": (pc.day, 1, 100),
        "HH": (pc.hour, 2, 100),
        "H": (pc.hour, 1, 100),
        "mm": (pc.minute, 2, 100),
        "ss": (pc.second, 2, 100),
    }
    parts: list[Any] = []
    last = 0
    for m in _TOKEN.finditer(fmt):
        if m.start() > last:
            parts.append(fmt[last : m.start()])
        func, width, size = comp[m.group()]
        parts.append(_num_table(width, size).take(func(ts)))
        last = m.end()
    if last < len(fmt):
        parts.append(fmt[last:])
    if not any(isinstance(p, pa.Array) for p in parts):
        return pa.array([fmt] * len(ts), type=_LS)
    return _join(*parts)


def _default_format(dt: pd.Series) -> str:
    has_time = bool((dt.dropna() != dt.dropna().dt.normalize()).any())
    return "YYYY-MM-DD HH:mm:ss" if has_time else "YYYY-MM-DD"


def _date_result(
    original: pd.Series,
    dt: pd.Series,
    pos: np.ndarray,
    new: pa.Array,
    default_format: str | None,
) -> pd.Series:
    """Strings at `pos`; other rows as the original strings, or rendered datetimes."""
    if pd.api.types.is_datetime64_any_dtype(original) or default_format is not None:
        fmt = default_format or _default_format(dt)
        base = _render_dates(pa.array(dt), fmt)
        as_str = pd.Series(
            pd.StringDtype("pyarrow", na_value=np.nan).__from_arrow__(base),
            index=original.index,
            name=original.name,
        )
        return _result(as_str, pos, new)
    return _result(original, pos, new)


def excel_serial_date(
    dates: Any, mask: Any, *, keep_time: bool = False, default_format: str | None = None
) -> pd.Series:
    """Dates as Excel 1900-system serial numbers in text: 2024-01-01 -> "45292".

    Imitates spreadsheet exports where a date cell lost its format and the CSV or API
    carries the underlying number. Excel counts 1900-01-01 as 1 and wrongly treats 1900
    as a leap year, so serials from 61 (1900-03-01) on are one higher than a plain day
    count. With `keep_time` a time of day becomes the fraction ("45292.5"). Dates before
    1900 (not representable) and nulls are unchanged.

    `dates`: datetime64 values, or ISO 8601 strings. The result is a str Series: for
    string input the unmasked rows are the original strings; for datetime input they are
    rendered with `default_format` (tokens as in `date_formats`; default "YYYY-MM-DD",
    or "YYYY-MM-DD HH:mm:ss" when any value has a time of day).
    """
    original, dt = _datetimes(dates)
    m = _mask(mask, len(original)) & dt.notna().to_numpy()
    sub = dt[m]
    day = sub.dt.normalize()
    days = ((day - pd.Timestamp("1899-12-31")) // pd.Timedelta(days=1)).to_numpy(np.int64)
    ok = days >= 1
    serial = days + (days >= 60)
    text = pa.array(serial).cast(_LS)
    if keep_time:
        secs = ((sub - day) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)
        timed = secs > 0
        if timed.any():
            frac = pa.array((serial + secs / 86400.0).astype(str).astype(object), type=_LS)
            text = pc.if_else(pa.array(timed), frac, text)
    pos = np.flatnonzero(m)[ok]
    return _date_result(original, dt, pos, text.filter(pa.array(ok)), default_format)


def date_formats(
    dates: Any,
    mask: Any,
    rng: np.random.Generator,
    formats: Sequence[str] | Mapping[str, float] = DEFAULT_DATE_FORMATS,
    *,
    default_format: str | None = None,
) -> pd.Series:
    """Dates rendered as strings in formats drawn per row: 20240105, 2024-01-05, 2024/1/5,
    2024年1月5日 (the defaults).

    Imitates each platform (and each clerk) writing dates its own way. Formats use the
    tokens YYYY YY MM M DD D HH H mm ss (anything else is literal), or strftime patterns
    when they contain "%"; a mapping gives weights. `dates` and the unmasked rows are as
    in `excel_serial_date`; nulls stay null.
    """
    weights = dict(formats) if isinstance(formats, Mapping) else dict.fromkeys(formats, 1.0)
    original, dt = _datetimes(dates)
    m = _mask(mask, len(original)) & dt.notna().to_numpy()
    pos = np.flatnonzero(m)
    choice = _choice(rng, len(pos), weights)
    ts = pa.array(dt.iloc[pos])
    new = pa.array(np.full(len(pos), "", dtype=object), type=_LS)
    for i, fmt in enumerate(weights):
        sel = choice == i
        if sel.any():
            new = pc.if_else(pa.array(sel), _render_dates(ts, fmt), new)
    return _date_result(original, dt, pos, new, default_format)


def day_month_swap(dates: Any, mask: Any) -> pd.Series:
    """Swap day and month where the swapped date exists (2024-03-05 -> 2024-05-03).

    Imitates dates keyed or parsed in the wrong order (DD/MM versus MM/DD, a US-locale
    spreadsheet). Rows whose day is above 12 or equals the month are unchanged; the time
    of day is kept. Returns datetimes (datetime64), the input parsed if needed.
    """
    _, dt = _datetimes(dates)
    m = _mask(mask, len(dt)) & dt.notna().to_numpy()
    day = dt.dt.day.to_numpy()
    month = dt.dt.month.to_numpy()
    ok = m & (day <= 12) & (day != month)
    out = dt.copy()
    if ok.any():
        sub = dt[ok]
        swapped = pd.to_datetime(pd.DataFrame({"year": sub.dt.year, "month": sub.dt.day, "day": sub.dt.month}))
        out[ok] = (swapped + (sub - sub.dt.normalize())).astype(dt.dtype)
    return out


# --------------------------------------------------------------------------- free text

_EVENT_TEMPLATES = (
    "{place}{category}，网格员巡查发现，已拍照上报。",
    "{when}在{place}发现{category}问题，{detail}。",
    "群众反映{place}附近{category}，{detail}，请尽快处理。",
    "{place}存在{category}情况，{detail}。",
    "接居民来电：{place}{category}，已多次反映未解决。",
    "{category}（{place}）",
    "{when}{place}{category}，现场已初步劝导，需相关部门协调处置。",
)
_EVENT_WHEN = ("今天上午", "今天下午", "昨晚", "近日", "最近一周", "每天早上", "周末", "")
_EVENT_DETAIL = (
    "影响居民正常生活",
    "存在安全隐患",
    "已告知物业",
    "涉及多户居民",
    "现场已拍照取证",
    "当事人情绪激动",
    "已联系社区",
    "需职能部门处置",
)


def event_text(
    categories: Any, places: Any, rng: np.random.Generator, templates: Sequence[str] | None = None
) -> np.ndarray:
    """Free-text event descriptions as grid workers and call-takers type them.

    Imitates the description field of grid events and work orders: the same matter told
    in different words, with or without the place, a time word (近日, 昨晚) and a detail
    (存在安全隐患, 已告知物业). `categories` and `places` are aligned arrays of str (nulls
    become ""); `templates` use {place} {category} {when} {detail}. Object array of str.
    """
    cat = _pa(pd.Series(np.asarray(categories, dtype=object)).fillna("").astype(str).to_numpy())
    place = _pa(pd.Series(np.asarray(places, dtype=object)).fillna("").astype(str).to_numpy())
    n = len(cat)
    if len(place) != n:
        raise ValueError("categories and places must have the same length")
    temps = tuple(templates or _EVENT_TEMPLATES)
    which = rng.integers(0, len(temps), n)
    when = _pick(_table(_EVENT_WHEN), rng.integers(0, len(_EVENT_WHEN), n))
    detail = _pick(_table(_EVENT_DETAIL), rng.integers(0, len(_EVENT_DETAIL), n))
    fields_ = {"place": place, "category": cat, "when": when, "detail": detail}
    pieces = []
    for i, template in enumerate(temps):
        rows = np.flatnonzero(which == i)
        if len(rows) == 0:
            continue
        parts: list[Any] = []
        for literal, field, _, _ in string.Formatter().parse(template):
            if literal:
                parts.append(literal)
            if field:
                parts.append(_pick(fields_[field], rows))
        parts = parts or [""]
        if not any(isinstance(p, pa.Array) for p in parts):
            parts.append(_pick(_table([""]), np.zeros(len(rows), dtype=np.int64)))
        pieces.append((rows, _join(*parts)))
    return _np(_assemble(_pa(np.full(n, "", dtype=object)), pieces))


# --------------------------------------------------------------------------- blanks

_BLANKS = ("", None, "无", "不详")


def blank(
    values: Any,
    mask: Any,
    rng: np.random.Generator | None = None,
    *,
    placeholders: Sequence[str | None] = _BLANKS,
    weights: Sequence[float] | None = None,
) -> pd.Series:
    """Replace values by the placeholders people use for "unknown": "", None, 无, 不详.

    Imitates mandatory fields filled with filler and optional fields left empty. With an
    rng the placeholder is drawn per row (by `weights`, default equal); without one the
    masked rows cycle through `placeholders` in order. Any value (null or not) in the mask
    is replaced. In a pandas str-dtype Series, None is stored as NaN.
    """
    s = _series(values)
    m = _mask(mask, len(s))
    pos = np.flatnonzero(m)
    opts = _objarr(list(placeholders))
    if len(opts) == 0:
        raise ValueError("placeholders must not be empty")
    if rng is None:
        idx = np.arange(len(pos)) % len(opts)
    else:
        w = [1.0] * len(opts) if weights is None else list(weights)
        idx = _choice(rng, len(pos), dict(enumerate(w)))
    return _result(s, pos, opts[idx])
