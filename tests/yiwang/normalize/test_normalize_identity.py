"""Citizen ID numbers (GB 11643): cleaning, 15 → 18 digits, validity, reason codes."""

from __future__ import annotations

import dataclasses
import datetime
import random

import pandas as pd
import pyarrow as pa
import pytest

from yiwang.normalize import normalize_column, parse_id_number, parse_id_numbers
from yiwang.normalize.identity import lookup_division, upgrade_15_to_18

TODAY = datetime.date(2024, 6, 1)


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 written out from the standard, independent of the code under test."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(rng: random.Random, *, year: int | None = None, division: str = "330602") -> str:
    year = year or rng.randint(1930, 2020)
    born = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
    body = f"{division}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + mod11_2(body)


VALID = "330602199001011231"  # 1990-01-01, sequence 123 (odd: male)
VALID_X = "11010519491231002X"  # 1949-12-31, sequence 002 (even: female), check X


def test_independent_check_digit_matches_fixtures() -> None:
    assert mod11_2(VALID[:17]) == VALID[17]
    assert mod11_2(VALID_X[:17]) == "X"


@pytest.mark.parametrize(
    "raw",
    [
        VALID,
        f" {VALID} ",
        "３３０６０２１９９００１０１１２３１",
        "330602 19900101 1231",
        "330602-19900101-1231",
        f"'{VALID}",
        f"身份证号：{VALID}",
        f"{VALID}（已核实）",
        f"\u200b{VALID}\ufeff",
    ],
)
def test_messy_valid_number(raw: str) -> None:
    result = parse_id_number(raw, today=TODAY)
    assert result.id_number == VALID
    assert result.is_valid and result.reason is None
    assert result.birth_date == datetime.date(1990, 1, 1)
    assert result.division_code == "330602"
    assert result.province == "浙江省"
    assert result.sex == "1"


def test_lower_case_x_and_female() -> None:
    result = parse_id_number("11010519491231002x", today=TODAY)
    assert result.id_number == VALID_X
    assert result.sex == "2"
    assert result.birth_date == datetime.date(1949, 12, 31)


def test_fifteen_digits_are_upgraded_with_independent_check() -> None:
    old = "330602900101123"
    result = parse_id_number(old, today=TODAY)
    body = "33060219900101123"
    assert result.id_number == body + mod11_2(body)
    assert result.was_15_digit and result.is_valid
    assert upgrade_15_to_18(old) == VALID


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("   ", "empty"),
        (" 330602199001011234 ", "bad_checksum"),
        ("33060219900101123x", "bad_checksum"),
        ("3.30602E+17", "spreadsheet_mangled"),
        ("3.30602199001011E+17", "spreadsheet_mangled"),
        ("330602199001011000", "spreadsheet_mangled"),
        (3.30602199001011231e17, "spreadsheet_mangled"),
        ("3306021990010112", "bad_length"),
        ("33060219900101", "bad_length"),
        ("33060219900101123X5", "bad_characters"),
        ("33060219900X011231", "bad_characters"),
        ("abc", "bad_characters"),
        (f"{VALID}/{VALID_X}", "bad_characters"),
        ("990602199001011231", "bad_division"),
        ("000602199001011231", "bad_division"),
        ("330602199002301231", "bad_birth_date"),
        ("330602187001011231", "bad_birth_date"),
        ("330602203001011231", "bad_birth_date"),
        ("330602901301123", "bad_birth_date"),
    ],
)
def test_reason_codes(raw: object, reason: str) -> None:
    result = parse_id_number(raw, today=TODAY)
    assert result.reason == reason
    assert result.id_number is None and not result.is_valid
    assert result.birth_date is None and result.sex is None


def test_spreadsheet_digits_kept_when_checksum_proves_them() -> None:
    # a number written out in full in scientific notation lost nothing
    assert parse_id_number("3.30602199001011231E+17", today=TODAY).id_number == VALID
    # an integer cell that kept all 18 digits (Python int, not float)
    assert parse_id_number(330602199001011231, today=TODAY).id_number == VALID
    # 15 digits fit in a float and in Excel: nothing lost
    assert parse_id_number(330602900101123.0, today=TODAY).is_valid


def test_bad_checksum_keeps_cleaned_text() -> None:
    result = parse_id_number(" 330602-19900101-1234 ", today=TODAY)
    assert result.cleaned == "330602199001011234"
    assert result.reason == "bad_checksum"


def test_property_messed_variants_of_valid_ids_return_the_original() -> None:
    rng = random.Random(11643)
    full_width = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    for _ in range(500):
        original = make_id(rng, division=rng.choice(["330602", "110105", "650102", "440305"]))
        variants = [
            original.lower(),
            original.translate(full_width),
            f"  {original[:6]} {original[6:14]} {original[14:]}\t",
            "-".join([original[:6], original[6:14], original[14:]]),
            "'" + original,
            f"公民身份号码:{original}",
        ]
        for variant in variants:
            assert parse_id_number(variant, today=TODAY).id_number == original, variant
        if original[6:8] == "19":
            old = original[:6] + original[8:17]
            assert parse_id_number(old, today=TODAY).id_number == original


def test_property_single_digit_typos_are_never_valid() -> None:
    rng = random.Random(7064)
    for _ in range(300):
        original = make_id(rng)
        position = rng.randrange(17)
        digit = str((int(original[position]) + rng.randint(1, 9)) % 10)
        typo = original[:position] + digit + original[position + 1 :]
        result = parse_id_number(typo, today=TODAY)
        assert not result.is_valid
        assert result.reason in {
            "bad_checksum",
            "bad_birth_date",
            "bad_division",
            "spreadsheet_mangled",
        }


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def test_vectorised_path_matches_scalar_path() -> None:
    rng = random.Random(2260)
    values: list[object] = [make_id(rng) for _ in range(200)]
    values += [
        " 330602199001011234 ",
        "33060219900101123x",
        "330602900101123",
        "3.30602E+17",
        "330602199001011000",
        None,
        "",
        "３３０６０２１９９００１０１１２３１",
        "990602199001011231",
        f"身份证号：{VALID}",
        VALID,
        VALID,
    ]
    table = parse_id_numbers(values, today=TODAY)
    expected = [dataclasses.asdict(parse_id_number(v, today=TODAY)) for v in values]
    assert _rows(table) == expected


def test_vectorised_inputs_of_every_kind() -> None:
    values = [VALID, None, "bad"]
    for column in (
        values,
        pd.Series(values),
        pd.Series(values, dtype="string"),
        pa.array(values),
        pa.chunked_array([values[:1], values[1:]]),
        pa.array(values).dictionary_encode(),
    ):
        table = parse_id_numbers(column, today=TODAY)
        assert table.column("id_number").to_pylist() == [VALID, None, None]
        assert table.column("reason").to_pylist() == [None, "empty", "bad_characters"]
    floats = parse_id_numbers(pd.Series([3.30602199001011e17, None]), today=TODAY)
    assert floats.column("reason").to_pylist() == ["spreadsheet_mangled", "empty"]


def test_normalize_column_keeps_the_index() -> None:
    series = pd.Series([VALID, "x"], index=["a", "b"])
    frame = normalize_column("id_number", series)
    assert list(frame.index) == ["a", "b"]
    assert frame.loc["a", "birth_date"] == datetime.date(1990, 1, 1)
    assert bool(frame.loc["b", "is_valid"]) is False


def test_hundred_thousand_ids_sanity() -> None:
    """Runs 100k IDs through the column path (no timing assertion; it takes about a second)."""
    rng = random.Random(100_000)
    ids = [make_id(rng) for _ in range(100_000)]
    ids[::10] = [i[:-1] + ("0" if i[-1] != "0" else "1") for i in ids[::10]]  # wrong checks
    table = parse_id_numbers(ids, today=TODAY)
    reasons = pd.Series(table.column("reason").to_pylist()).value_counts(dropna=False)
    assert reasons.sum() == 100_000
    assert table.column("is_valid").to_pylist().count(True) == 90_000


def test_lookup_division_uses_gb2260_history() -> None:
    assert lookup_division("330602")["county"] == "越城区"
    assert lookup_division("330621", year=2010)["county"] == "绍兴县"
    assert lookup_division("330621", year=2020) is None
    assert lookup_division("999999") is None
