"""Masking rules, keyed pseudonyms and k-anonymity on hand-made values."""

from __future__ import annotations

import pandas as pd
import pytest

from yiwang.share.kanon import suppress_small_cells
from yiwang.share.masking import (
    MissingKeyError,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    tokenizer,
)


def test_masks_keep_what_the_rules_say():
    assert mask_id_number("33060219900101123X") == "330602********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修文") == "欧阳**"
    assert mask_name("司马光") == "司马*"
    assert mask_name("马光") == "马*"  # 司马 only when the name starts with it
    assert (
        mask_address("浙江省绍兴市越城区北海街道府山社区解放北路12号3幢2单元301室")
        == "浙江省绍兴市越城区北海街道府山社区"
    )
    assert mask_id_number(None) is None and mask_phone("") is None


def test_tokens_are_stable_per_department_and_differ_between_departments(monkeypatch):
    monkeypatch.setenv("YIWANG_SHARE_KEY_A", "a" * 20)
    monkeypatch.setenv("YIWANG_SHARE_KEY_B", "b" * 20)
    a, b = tokenizer("a"), tokenizer("b")
    assert a("33060219900101123x") == a("33060219900101123X") == tokenizer("a")("33060219900101123X")
    assert a("33060219900101123X") != b("33060219900101123X")
    assert len(a("x")) == 64


def test_a_missing_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("YIWANG_SHARE_KEY_NOBODY", raising=False)
    with pytest.raises(MissingKeyError, match="YIWANG_SHARE_KEY_NOBODY is not set"):
        tokenizer("nobody")


def test_small_cells_are_suppressed():
    frame = pd.DataFrame({"grid": ["g1"] * 6 + ["g2"] * 2, "sex": ["male"] * 6 + ["female"] * 2})
    cells, suppressed = suppress_small_cells(frame, ["grid", "sex"], k=5)
    assert cells.to_dict("records") == [{"grid": "g1", "sex": "male", "person_count": 6}]
    assert suppressed == 1
