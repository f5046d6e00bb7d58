"""Addresses: suffix-based parts and one key for the variants of one address."""

from __future__ import annotations

import dataclasses

import pytest

from yiwang.normalize import (
    AddressParts,
    address_key,
    parse_address,
    parse_addresses,
    standard_address_key,
)


def parts(raw: str, **kwargs: object) -> dict[str, str]:
    parsed = parse_address(raw, **kwargs)
    return {k: v for k, v in dataclasses.asdict(parsed).items() if v is not None and k != "cleaned"}


def test_full_urban_address() -> None:
    assert parts("浙江省绍兴市越城区府山街道西小路123号锦麟花园3幢2单元502室") == {
        "province": "浙江省",
        "city": "绍兴市",
        "district": "越城区",
        "street": "府山街道",
        "road": "西小路",
        "number": "123",
        "compound": "锦麟花园",
        "building": "3",
        "unit": "2",
        "room": "502",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "越城区锦麟花园三号楼二单元502",
            {
                "district": "越城区",
                "compound": "锦麟花园",
                "building": "3",
                "unit": "2",
                "room": "502",
            },
        ),
        ("锦麟花园3-2-502", {"compound": "锦麟花园", "building": "3", "unit": "2", "room": "502"}),
        (
            "府山街道 锦麟花园 3栋2单元502号",
            {
                "street": "府山街道",
                "compound": "锦麟花园",
                "building": "3",
                "unit": "2",
                "room": "502",
            },
        ),
        (
            "锦麟花园小区3#2-502",
            {"compound": "锦麟花园小区", "building": "3", "unit": "2", "room": "502"},
        ),
        ("锦麟花园C座1205室", {"compound": "锦麟花园", "building": "C", "room": "1205"}),
        ("锦麟花园3幢502室", {"compound": "锦麟花园", "building": "3", "room": "502"}),
        (
            "錦麟花園叁幢貳單元五〇二室",
            {"compound": "锦麟花园", "building": "3", "unit": "2", "room": "502"},
        ),
        (
            "锦麟花园二期5栋1单元12层1201室",
            {
                "compound": "锦麟花园2期",
                "building": "5",
                "unit": "1",
                "floor": "12",
                "room": "1201",
            },
        ),
        (
            "和平新村12幢3单元301",
            {"compound": "和平新村", "building": "12", "unit": "3", "room": "301"},
        ),
    ],
)
def test_variants(raw: str, expected: dict[str, str]) -> None:
    assert parts(raw) == expected


def test_rural_address() -> None:
    assert parts("柯桥区平水镇同康村8组12号") == {
        "district": "柯桥区",
        "street": "平水镇",
        "community": "同康村",
        "group": "8",
        "number": "12",
    }
    assert parts("同康村第八组十二号") == {"community": "同康村", "group": "8", "number": "12"}


def test_division_levels_by_suffix() -> None:
    assert parts("上海市浦东新区张江镇碧波路690号") == {
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "张江镇",
        "road": "碧波路",
        "number": "690",
    }
    # a 市 directly followed by a town is a county-level city
    assert parts("诸暨市店口镇解放路12号")["district"] == "诸暨市"
    assert parts("新疆维吾尔自治区乌鲁木齐市天山区") == {
        "province": "新疆维吾尔自治区",
        "city": "乌鲁木齐市",
        "district": "天山区",
    }
    # a province's short name is not taken from a road named after it
    assert parts("浙江路12号") == {"road": "浙江路", "number": "12"}
    assert parts("南京东路100弄5号") == {"road": "南京东路", "number": "100弄5"}


def test_nothing_is_dropped() -> None:
    result = parse_address("中山路与解放路交叉口附近（东北角）")
    assert result.road == "中山路"
    assert result.rest == "与解放路交叉口附近东北角"
    assert parse_address("").cleaned is None


def test_known_divisions_help_where_suffixes_cannot() -> None:
    raw = "城区锦麟花园3幢"  # 城区 alone looks like "the urban area", not a district name
    assert parse_address(raw, known_divisions=["城区"]).district == "城区"


SAME_PLACE = [
    "浙江省绍兴市越城区府山街道西小路123号锦麟花园3幢2单元502室",
    "越城区锦麟花园三号楼二单元502",
    "锦麟花园3-2-502",
    "府山街道 锦麟花园 3栋2单元502号",
    "绍兴市越城区锦麟花园小区3#2-502",
    "錦麟花園3幢2單元0502室",
    "锦麟花园３栋２单元５０２",
]


def test_variants_of_one_address_share_one_key() -> None:
    keys = {address_key(raw) for raw in SAME_PLACE}
    assert keys == {"锦麟花园|3|2|502"}


def test_different_rooms_and_places_get_different_keys() -> None:
    assert address_key("锦麟花园3-2-501") != address_key("锦麟花园3-2-502")
    assert address_key("柯桥区平水镇同康村8组12号") == "同康村|8|12"
    assert address_key("绍兴市西小路123号") == "西小路|123"
    assert address_key("绍兴市越城区") is None


def test_key_with_division() -> None:
    parsed = parse_address("越城区锦麟花园3-2-502")
    assert standard_address_key(parsed, with_division=True) == "越城区|锦麟花园|3|2|502"
    assert standard_address_key(AddressParts(compound="锦麟花园")) == "锦麟花园|||"


def test_vectorised_adds_the_key() -> None:
    table = parse_addresses([*SAME_PLACE, None])
    assert set(table.column("address_key").to_pylist()[:-1]) == {"锦麟花园|3|2|502"}
    assert table.column("address_key").to_pylist()[-1] is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("诸暨市暨阳街道湾辉里4号楼1单元701", "湾辉里|4|1|701"),  # 4号楼 after a lane: a building
        ("人民路3号楼2单元502", "人民路|3|2|502"),
        ("湾辉里3#幢1单元602室", "湾辉里|3|1|602"),  # 3#幢
        ("紫金苑东区11#1单元602", "紫金苑东区|11|1|602"),  # 东区 of a compound, not a district
        ("翠苑街道翠苑一区12幢3单元401室", "翠苑一区|12|3|401"),  # a numbered part of a compound
    ],
)
def test_buildings_and_compound_parts_are_not_door_numbers_or_districts(raw: str, key: str) -> None:
    assert address_key(raw) == key
    assert parse_address("城东区人民路5号").district == "城东区"  # a short name with a direction stays a district


def test_a_village_whose_name_ends_like_a_district_is_a_village():
    # 红旗村: 旗 is also the suffix of a banner (a county-level division of 内蒙古)
    parts = parse_address("红旗村4组85号")
    assert (parts.district, parts.community, parts.group, parts.number) == (None, "红旗村", "4", "85")
    assert standard_address_key(parse_address("兴隆台区红旗村四组85号")) == "红旗村|4|85"
    assert parse_address("巴林右旗大板镇").district == "巴林右旗"  # a real banner still is one
