"""Text clean-up: widths, invisibles, whitespace, Excel's force-text markers."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from yiwang.normalize.numerals import chinese_to_arabic, replace_numerals_before
from yiwang.normalize.text import as_text, normalize_code_text, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u3000浙江省\u200b绍兴市  越城区 ", "浙江省绍兴市 越城区"),
        ("ＡＢＣ１２３", "ABC123"),
        ("'330602", "330602"),
        ('="0575"', "0575"),
        ("\ufeff张伟", "张伟"),
        ("张\u00a0伟", "张 伟"),
        ("a\tb\nc", "a b c"),
        ("①号", "①号"),  # free text keeps circled numbers (NFKC would not)
        ("", ""),
        ("'", "'"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_missing_values_stay_missing() -> None:
    for missing in (None, math.nan, np.nan):
        assert normalize_text(missing) is None


def test_code_text_folds_dashes_and_nfkc() -> None:
    assert normalize_code_text("０５７５—８８１２３４５６") == "0575-88123456"
    assert normalize_code_text("①") == "1"


def test_as_text_renders_numbers_without_float_tails() -> None:
    assert as_text(13812345678.0) == "13812345678"
    assert as_text(np.int64(42)) == "42"
    assert as_text(Decimal("330602199001011231")) == "330602199001011231"
    assert as_text("张伟".encode("gb18030")) == "张伟"
    assert as_text("张伟".encode()) == "张伟"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("三", "3"),
        ("十", "10"),
        ("十二", "12"),
        ("二十", "20"),
        ("二十一", "21"),
        ("一百零五", "105"),
        ("两千", "2000"),
        ("五〇二", "502"),
        ("二〇二三", "2023"),
        ("〇八", "08"),
        ("叁拾", "30"),
        ("路", None),
    ],
)
def test_chinese_numerals(raw: str, expected: str | None) -> None:
    assert chinese_to_arabic(raw) == expected


def test_numerals_converted_only_before_counting_words() -> None:
    assert replace_numerals_before("五一路三号楼", "号楼|号") == "五一路3号楼"
    assert replace_numerals_before("三里屯二单元", "单元") == "三里屯2单元"
