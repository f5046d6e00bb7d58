"""Chinese numerals → Arabic digits (中文数字转阿拉伯数字).

Two readings exist in addresses and dates and both are handled:

* positional (十百千万): "十二" = 12, "二十" = 20, "一百零五" = 105, "两千" = 2000;
* digit by digit (逐位读): "五〇二" = "502", "二〇二三" = "2023".

Leading zeros of a digit-by-digit reading are kept ("〇八" → "08"), because room and house
numbers are strings, not quantities. Financial forms (壹贰叁肆伍陆柒捌玖拾佰仟) are accepted.
"""

from __future__ import annotations

import re

DIGITS = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(BIG_UNITS)
# A run of Chinese numerals or ASCII digits (mixed runs such as "1百" are rare but harmless).
NUMERAL_RUN = f"[{NUMERAL_CHARS}0-9]+"


def _positional(text: str) -> int | None:
    total = 0
    section = 0
    digit: int | None = None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch.isdigit():
            digit = int(ch)
        elif ch in UNITS:
            section += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        elif ch in BIG_UNITS:
            section += digit or 0
            total += (section or 1) * BIG_UNITS[ch]
            section = 0
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def chinese_to_arabic(text: str) -> str | None:
    """Convert one run of Chinese (or mixed) numerals to an Arabic digit string.

    >>> chinese_to_arabic("三"), chinese_to_arabic("十二"), chinese_to_arabic("五〇二")
    ('3', '12', '502')
    >>> chinese_to_arabic("一百零五"), chinese_to_arabic("两千"), chinese_to_arabic("路")
    ('105', '2000', None)
    """
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return text
    if any(ch in UNITS or ch in BIG_UNITS for ch in text):
        value = _positional(text)
        return None if value is None else str(value)
    out = []
    for ch in text:
        if ch in DIGITS:
            out.append(str(DIGITS[ch]))
        elif ch.isdigit():
            out.append(ch)
        else:
            return None
    return "".join(out)


def replace_numerals_before(text: str, markers: str) -> str:
    """Convert numeral runs that stand right before one of the marker words.

    Only numerals in quantity position (before 号, 栋, 单元, 室, 年 ...) are converted, so names
    such as 五一路 or 三里屯 keep their characters. `markers` is a regex alternation.
    """
    pattern = re.compile(f"({NUMERAL_RUN})(?=(?:{markers}))")

    def convert(match: re.Match[str]) -> str:
        converted = chinese_to_arabic(match.group(1))
        return converted if converted is not None else match.group(1)

    return pattern.sub(convert, text)
