"""Phones: mobiles, landlines with area codes and extensions, service numbers."""

from __future__ import annotations

import dataclasses

import pytest

from yiwang.normalize import normalize_phone, parse_phone, parse_phones


@pytest.mark.parametrize(
    ("raw", "phone", "kind"),
    [
        ("+86 138-1234-5678", "13812345678", "mobile"),
        ("0086 13812345678", "13812345678", "mobile"),
        ("8613812345678", "13812345678", "mobile"),
        ("+86(138)1234 5678", "13812345678", "mobile"),
        ("１３８１２３４５６７８", "13812345678", "mobile"),
        ("013812345678", "13812345678", "mobile"),
        (13812345678, "13812345678", "mobile"),
        (13812345678.0, "13812345678", "mobile"),
        ("手机：139 0575 0000", "13905750000", "mobile"),
        ("(0575)88123456", "0575-88123456", "landline"),
        ("（０５７５）８８１２３４５６", "0575-88123456", "landline"),
        ("0575-8812345", "0575-8812345", "landline"),
        ("010-62751234", "010-62751234", "landline"),
        ("021 6123 4567", "021-61234567", "landline"),
        ("+86 575 8812 3456", "0575-88123456", "landline"),
        ("+86 (0)10 6275 1234", "010-62751234", "landline"),
        ("12345", "12345", "service"),
        ("110", "110", "service"),
        ("400-820-8820", "4008208820", "service"),
        ("95588", "95588", "service"),
    ],
)
def test_canonical_forms(raw: object, phone: str, kind: str) -> None:
    result = parse_phone(raw)
    assert (result.phone, result.kind, result.reason) == (phone, kind, None)
    assert result.is_valid


@pytest.mark.parametrize(
    "raw",
    ["0575-8812-3456 转 801", "0575-88123456-801", "0575 88123456 ext. 801", "057588123456#801"],
)
def test_extensions_are_kept_apart(raw: str) -> None:
    result = parse_phone(raw)
    assert (result.phone, result.area_code, result.local_number, result.extension) == (
        "0575-88123456",
        "0575",
        "88123456",
        "801",
    )


def test_area_code_length_follows_its_first_digit() -> None:
    assert parse_phone("01062751234").area_code == "010"
    assert parse_phone("02061234567").area_code == "020"
    assert parse_phone("057588123456").area_code == "0575"
    assert parse_phone("09912345678").area_code == "0991"


def test_local_number_needs_an_area_code() -> None:
    bare = parse_phone("88123456")
    assert (bare.phone, bare.kind, bare.reason, bare.local_number) == (
        None,
        "landline",
        "missing_area_code",
        "88123456",
    )
    assert normalize_phone("8812 3456", default_area_code="575") == "0575-88123456"
    assert normalize_phone("88123456", default_area_code="0575") == "0575-88123456"


def test_several_numbers_in_one_cell() -> None:
    result = parse_phone("13812345678/0575-88123456；13905750000")
    assert result.phone == "13812345678"
    assert result.other_numbers == ("0575-88123456", "13905750000")
    assert parse_phone("无，13812345678").phone == "13812345678"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("138****5678", "masked"),
        ("138xxxx5678", "masked"),
        ("abc", "bad_characters"),
        ("电话号码见附件", "bad_characters"),
        ("+852 9123 4567", "foreign_number"),
        ("12012345678", "bad_prefix"),
        ("0111234567", "bad_area_code"),
        ("010-12345678", "bad_local_number"),
        ("0575-123456789012", "bad_local_number"),
        ("1381234567", "bad_length"),
        ("2-3", "bad_length"),
    ],
)
def test_reason_codes(raw: object, reason: str) -> None:
    result = parse_phone(raw)
    assert result.reason == reason
    assert result.phone is None and not result.is_valid


def _scalar_rows(values: list[object]) -> list[dict]:
    rows = [dataclasses.asdict(parse_phone(v)) for v in values]
    return [{**row, "other_numbers": list(row["other_numbers"])} for row in rows]


def test_vectorised_matches_scalar() -> None:
    values: list[object] = [
        "+86 138-1234-5678",
        "0086 13812345678",
        "(0575)88123456",
        "0575-8812-3456 转 801",
        "88123456",
        "12345",
        "138****5678",
        None,
        "",
        "13812345678/0575-88123456",
        "021-61234567",
        "8613812345678",
        "86 138 1234 5678",
        "0575 88123456",
    ]
    assert parse_phones(values).to_pylist() == _scalar_rows(values)
