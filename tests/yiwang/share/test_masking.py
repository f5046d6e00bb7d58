"""Masking rules, keyed pseudonyms and k-anonymity on hand-made values."""

from __future__ import annotations

import pandas as pd
import pytest

from yiwang.share.kanon import suppress_small_cells
from yiwang.share.masking import (
    MaskingLeakError,
    MissingKeyError,
    check_rebuild,
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


def _id_numbers(n: int) -> pd.DataFrame:
    """Valid GB 11643 numbers with their birth dates (stdnum computes the check character)."""
    from stdnum.cn import ric

    rows = []
    for i in range(n):
        born = f"19{40 + i % 50:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
        body = f"330602{born}{100 + i:03d}"
        rows.append({"id_number": body + ric.calc_check_digit(body), "born": born})
    return pd.DataFrame(rows)


def _rebuilt(exported: pd.DataFrame, dates: str) -> pd.Series:
    """The attack: the masked ID's kept head and tail around the digits of the date column."""
    digits = exported[dates].astype(str).str.replace(r"\D", "", regex=True)
    return exported["id_number"].str[:6] + digits + exported["id_number"].str[-4:]


@pytest.mark.parametrize("render", [lambda b: f"{b[:4]}-{b[4:6]}-{b[6:]}", lambda b: f"{b[6:]}/{b[4:6]}/{b[:4]}"])
def test_a_masked_id_number_beside_its_birth_date_is_refused(render):
    truth = _id_numbers(60)
    frame = pd.DataFrame({"id_number": truth["id_number"], "dob": truth["born"].map(render), "sex": "male"})
    exported = frame.assign(id_number=frame["id_number"].map(mask_id_number))
    if render("19900102").startswith("1990"):
        assert (_rebuilt(exported, "dob") == truth["id_number"]).all()  # what the export allowed
    with pytest.raises(MaskingLeakError, match=r"id_number masked as 'id_number' could be rebuilt.*\['dob'\]"):
        check_rebuild(frame, exported, {"id_number": "id_number", "dob": "none"}, "dep.dim_person")


def test_a_generalised_birth_date_leaves_enough_hidden():
    truth = _id_numbers(60)
    frame = pd.DataFrame({"id_number": truth["id_number"], "birth_date": truth["born"]})
    decade = frame.assign(
        id_number=frame["id_number"].map(mask_id_number), birth_date=frame["birth_date"].str[:3] + "0s"
    )
    check_rebuild(frame, decade, {"id_number": "id_number", "birth_date": "decade"}, "dep.dim_person")
    year = decade.assign(birth_date=frame["birth_date"].str[:4])
    with pytest.raises(MaskingLeakError, match="leaving 3"):  # MMDD less the check digit: too few
        check_rebuild(frame, year, {"id_number": "id_number", "birth_date": "year"}, "dep.dim_person")
