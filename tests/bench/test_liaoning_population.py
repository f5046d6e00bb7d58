"""The independent test population: seeded, its own codings per platform, the truth beside it."""

from __future__ import annotations

from bench.populations.liaoning_four_platforms import PLATFORMS, STACKED, make_platforms, stacked
from yiwang.normalize import parse_id_number


def test_the_population_is_deterministic_and_has_four_platforms_with_their_own_codings():
    first, again = make_platforms(400, seed=7), make_platforms(400, seed=7)
    assert all(first[k].equals(again[k]) for k in PLATFORMS)
    assert not first["hukou"].equals(make_platforms(400, seed=8)["hukou"])
    assert set(first["hukou"]["性别"].dropna()) == {"男", "女"}
    assert set(first["social"]["xb"].dropna()) == {"1", "2"}
    assert set(first["clinic"]["gender"].dropna()) == {"M", "F"}
    assert "公民身份号码" in first["hukou"] and "sfzh" in first["social"] and "caller" in first["hotline"]


def test_the_stacked_records_carry_the_mess_and_the_truth():
    records = stacked(make_platforms(5000))
    assert list(records.columns) == ["record_id", *STACKED, "true_person"]
    assert 8000 <= len(records) <= 9000 and records.record_id.is_unique
    assert records.true_person.nunique() == 5000
    names, phones, addresses = records.name.dropna(), records.phone.dropna(), records.address.dropna()
    assert names.str.fullmatch(r".{1,2}(先生|女士)").sum() > 100  # masked callers
    assert phones.str.contains("[０-９]").any() and phones.str.startswith("+86").any()
    assert phones.str.fullmatch(r"0\d{10,11}").any()  # a landline without its separator
    assert addresses.str.contains(r"\d+-\d+-\d+").any() and addresses.str.contains("号楼.*单元.*室").any()
    ids = records.id_number.dropna()
    valid = ids.map(lambda v: parse_id_number(v).is_valid)
    assert 0.95 < valid.mean() < 1  # a few mistyped digits
    shared = records.dropna(subset=["phone"]).groupby("phone").true_person.nunique()
    assert (shared > 1).sum() > 100  # family phones
