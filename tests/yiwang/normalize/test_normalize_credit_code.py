"""Unified social credit codes (GB 32100)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from yiwang.normalize import parse_credit_code, parse_credit_codes
from yiwang.normalize.credit_code import ALPHABET, organization_code_is_valid

VALID = "91110000600037341L"  # the example code published with GB 32100 tooling
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def mod31(first17: str) -> str:
    """GB 32100 check character written out from the standard (3^i mod 31 weights)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def make_code(rng: random.Random, prefix: str = "91", division: str = "330602") -> str:
    body = prefix + division + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + mod31(body)


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


@pytest.mark.parametrize(
    "raw",
    [
        VALID,
        "91110000600037341l",
        " 9111 0000 6000 3734 1L ",
        "9111-0000-6000-3734-1L",
        "９１１１００００６０００３７３４１Ｌ",
        f"'{VALID}",
    ],
)
def test_messy_valid_code(raw: str) -> None:
    result = parse_credit_code(raw)
    assert result.credit_code == VALID
    assert result.is_valid
    assert result.registering_authority_code == "9"
    assert result.entity_type == "企业"
    assert result.division_code == "110000"
    assert result.organization_code == "600037341"
    assert result.organization_code_valid is True


def test_confusable_letters_are_repaired_only_when_the_check_passes() -> None:
    repaired = parse_credit_code("9111OOOO6OOO37341L")  # letter O typed for zero
    assert repaired.credit_code == VALID and repaired.was_repaired
    assert parse_credit_code("9111OOOO6OOO37341A").reason == "bad_characters"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("110108000000016", "legacy_registration_number"),
        ("60003734-1", "legacy_organization_code"),
        ("91110000600037341", "bad_length"),
        ("9111000060003734@L", "bad_characters"),
        ("B1110000600037341L", "bad_authority"),
        ("94110000600037341L", "bad_entity_type"),
        ("91990000600037341L", "bad_division"),
        ("911100006000373410", "bad_checksum"),
    ],
)
def test_reason_codes(raw: object, reason: str) -> None:
    result = parse_credit_code(raw)
    assert result.reason == reason
    assert result.credit_code is None and not result.is_valid


def test_authorities_beyond_digits_are_accepted() -> None:
    rng = random.Random(32100)
    for prefix, entity in (
        ("N2", "村级集体经济组织"),
        ("A1", "军队事业单位"),
        ("52", "民办非企业单位"),
    ):
        code = make_code(rng, prefix)
        result = parse_credit_code(code)
        assert result.is_valid, code
        assert result.entity_type == entity


def test_property_random_codes_round_trip_and_typos_fail() -> None:
    rng = random.Random(31)
    for _ in range(300):
        code = make_code(rng, rng.choice(["91", "92", "93", "12", "51"]))
        assert parse_credit_code(code.lower()).credit_code == code
        position = rng.randrange(8, 17)
        other = rng.choice([c for c in ALPHABET if c != code[position]])
        typo = code[:position] + other + code[position + 1 :]
        assert parse_credit_code(typo).reason == "bad_checksum"


def test_organization_code_check() -> None:
    assert organization_code_is_valid("600037341")
    assert not organization_code_is_valid("600037342")


def test_vectorised_matches_scalar() -> None:
    values = [VALID, None, "bad", VALID.lower(), "110108000000016"]
    rows = parse_credit_codes(values).to_pylist()
    assert rows == [dataclasses.asdict(parse_credit_code(v)) for v in values]
