"""Sex codes (GB/T 2261.1) and messy dates / local times."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from yiwang.normalize import (
    check_sex_against_id,
    day_month_swap_candidates,
    decode_sex,
    decode_sexes,
    local_to_utc,
    local_to_utc_series,
    parse_date,
    parse_datetime,
    parse_datetimes,
)

MALE_ID = "330602199001011231"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (1, "1"),
        ("2", "2"),
        (2.0, "2"),
        ("0", "0"),
        ("9", "9"),
        ("男", "1"),
        ("女性", "2"),
        ("M", "1"),
        ("f", "2"),
        ("Female", "2"),
        ("Ｍ", "1"),
        ("未说明", "9"),
    ],
)
def test_decode_sex(raw: object, code: str) -> None:
    assert decode_sex(raw).sex == code


def test_unknown_and_empty_sex() -> None:
    assert decode_sex("abc").reason == "unknown_code"
    assert decode_sex(None).reason == "empty"


def test_platform_specific_codes_extend_the_table() -> None:
    # a system that stores 1 = male, 0 = female
    assert decode_sex("0", extra={"0": "2"}).sex == "2"
    assert decode_sex("0").sex == "0"
    table = decode_sexes(["0", "1", None], extra={"0": "2"})
    assert table.column("sex").to_pylist() == ["2", "1", None]


def test_sex_against_id_number() -> None:
    assert check_sex_against_id("男", MALE_ID) == "match"
    assert check_sex_against_id("2", MALE_ID) == "mismatch"
    assert check_sex_against_id("9", MALE_ID) == "unknown"
    assert check_sex_against_id("M", "not an id") == "unknown"


D = datetime.date(1990, 1, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "19900101",
        "1990-01-01",
        "1990/1/1",
        "1990.1.1",
        "1990年1月1日",
        "1990年01月01号",
        "一九九〇年一月一日",
        "１９９０－０１－０１",
        32874,
        "32874",
        19900101,
        D,
        datetime.datetime(1990, 1, 1),
        pd.Timestamp("1990-01-01"),
    ],
)
def test_date_forms(raw: object) -> None:
    assert parse_date(raw) == D


def test_excel_serials_and_the_1900_leap_bug() -> None:
    assert parse_date(1) == datetime.date(1900, 1, 1)
    assert parse_date(59) == datetime.date(1900, 2, 28)
    assert parse_datetime(60).reason == "nonexistent_date"
    assert parse_date(61) == datetime.date(1900, 3, 1)
    assert parse_date(45047) == datetime.date(2023, 5, 1)
    half = parse_datetime("45047.5")
    assert half.local == datetime.datetime(2023, 5, 1, 12, 0)
    assert parse_date(0, date_system=1904) == datetime.date(1904, 1, 1)


def test_local_times_become_utc() -> None:
    result = parse_datetime("2023-05-01 08:30")
    assert result.local == datetime.datetime(2023, 5, 1, 8, 30)
    assert result.utc == datetime.datetime(2023, 5, 1, 0, 30)
    assert parse_datetime("2023-05-01T00:30:00Z").local == datetime.datetime(2023, 5, 1, 8, 30)
    assert parse_datetime("2023年5月1日 8时30分").utc == datetime.datetime(2023, 5, 1, 0, 30)
    assert parse_datetime("1683000000000").source_format == "epoch_millis"
    # China kept daylight saving time 1986-1991: July 1990 was UTC+9
    assert local_to_utc(datetime.datetime(1990, 7, 1, 9, 0)) == datetime.datetime(1990, 7, 1)
    series = local_to_utc_series(pd.Series(["2023-05-01 08:30", None]))
    assert series.iloc[0] == pd.Timestamp("2023-05-01 00:30")
    assert pd.isna(series.iloc[1])


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (None, "empty"),
        ("abc", "unrecognised_format"),
        ("20230230", "bad_date"),
        ("1990-13-01", "bad_date"),
        ("05/03/2023", "ambiguous"),
        ("1990", "ambiguous"),
        ("18500101", "out_of_range"),
    ],
)
def test_date_reasons(raw: object, reason: str) -> None:
    result = parse_datetime(raw)
    assert result.reason == reason and result.date is None


def test_day_month_order() -> None:
    assert parse_date("13/03/2023") == datetime.date(2023, 3, 13)
    assert parse_date("05/03/2023", day_first=True) == datetime.date(2023, 3, 5)
    assert day_month_swap_candidates(datetime.date(1990, 3, 5)) == [datetime.date(1990, 5, 3)]
    assert day_month_swap_candidates(datetime.date(1990, 3, 13)) == []
    assert day_month_swap_candidates(datetime.date(1990, 3, 3)) == []


def test_vectorised_dates() -> None:
    table = parse_datetimes(["19900101", 32874, None, "x"])
    assert table.column("date").to_pylist() == [D, D, None, None]


def test_a_masked_callers_form_of_address_implies_a_sex():
    from yiwang.normalize.sex import sex_from_honorific

    assert [sex_from_honorific(v) for v in ("郭先生", "欧阳女士", "王 小姐", "李阿姨")] == ["1", "2", "2", "2"]
    # a full name, a neutral form of address, or a sentence say nothing
    assert [sex_from_honorific(v) for v in ("郭勇春", "张师傅", None, "", "我是张先生的邻居")] == [None] * 5
