"""Text clean-up shared by every normaliser (全角转半角, 去不可见字符, 空白合并).

* `normalize_text`: free text (names, addresses, content); NFC, never full NFKC.
* `normalize_code_text`: identifiers (ID numbers, phones, credit codes); NFKC.
* `as_text`: any value as text; missing values (None, NaN, pandas NA) give None.

What each folds and why: docs/normalize.md, "Text".
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from typing import Any

# Full-width ASCII (U+FF01..U+FF5E) → ASCII (U+0021..U+007E); U+3000 ideographic space → space.
_WIDTH_TABLE: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = " "
# Other Unicode spaces → ASCII space (NBSP, en/em/thin spaces, narrow NBSP, math space).
for _code in (0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F):
    _WIDTH_TABLE[_code] = " "
# Invisible characters removed outright: zero-width space/non-joiner/joiner, LRM/RLM, word
# joiner and invisible operators, BOM / zero-width no-break space, soft hyphen, Mongolian vowel
# separator, and bidi embedding/isolate controls.
_INVISIBLE = (
    0x00AD,
    0x180E,
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2070),
    0xFEFF,
)
for _code in _INVISIBLE:
    _WIDTH_TABLE[_code] = ""
# C0/C1 control characters other than tab/newline/carriage return are removed; those three are
# whitespace and collapse like spaces.
for _code in (*range(0x00, 0x20), *range(0x7F, 0xA0)):
    if chr(_code) not in "\t\n\r":
        _WIDTH_TABLE[_code] = ""

# Dash look-alikes → ASCII hyphen-minus (used for identifiers and compact address forms).
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u30fc\u2500"
_DASH_TABLE = {ord(c): "-" for c in DASHES}

_WHITESPACE = re.compile(r"\s+")
_EXCEL_FORMULA_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)


def is_missing(value: Any) -> bool:
    """True for None, float NaN, pandas NA/NaT and numpy NaN."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:  # pandas.NA, NaT, numpy.nan without importing pandas here
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def as_text(value: Any) -> str | None:
    """Render any cell value as text; None for missing values.

    Integral floats lose their ".0" (3.0 → "3"); bytes are decoded as UTF-8, else GB18030
    (the superset of GBK that Chinese government exports use). Bytes valid in neither keep
    their undecodable bytes as visible escapes (\\xff), never dropped, so validation then
    fails with a reason instead of passing a silently altered value.
    """
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("gb18030", errors="backslashreplace")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        try:
            return as_text(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def fold_width(text: str) -> str:
    """Full-width ASCII and U+3000 → half-width; Unicode spaces → " "; drop invisibles."""
    return text.translate(_WIDTH_TABLE)


def strip_excel_text_marker(text: str) -> str:
    """Drop a leading apostrophe (Excel's force-text prefix) or unwrap ="..."."""
    match = _EXCEL_FORMULA_TEXT.match(text)
    if match:
        return match.group(1)
    if text.startswith("'") and len(text) > 1:
        return text[1:]
    return text


def normalize_text(value: Any, *, collapse_whitespace: bool = True) -> str | None:
    """Clean free text; None stays None. See the module docstring for the exact rules.

    >>> normalize_text("\\u3000浙江省\\u200b绍兴市  越城区 ")
    '浙江省绍兴市 越城区'
    >>> normalize_text("'３３０６０２")
    '330602'
    """
    text = as_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).translate(_WIDTH_TABLE)
    if collapse_whitespace:
        text = _WHITESPACE.sub(" ", text)
    text = text.strip()
    text = strip_excel_text_marker(text).strip()
    return text


def normalize_code_text(value: Any) -> str | None:
    """Clean an identifier: NFKC, invisibles dropped, dash look-alikes → "-", trimmed.

    Inner spaces are kept (callers decide whether they are separators).
    """
    text = as_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text.translate(_WIDTH_TABLE)).translate(_DASH_TABLE)
    text = _WHITESPACE.sub(" ", text).strip()
    return strip_excel_text_marker(text).strip()


def has_han(text: str) -> bool:
    """True when the text contains at least one CJK unified ideograph."""
    return any(is_han(ch) for ch in text)


def is_han(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block, extension A, extensions B and later)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x323AF
        or code == 0x3007  # 〇, the ideographic zero used in dates and house numbers
    )
