"""House resolution on hand-made records of another city (杭州-style addresses, not simulator
output), with kinds of mess the simulator does not make: homophone and developer-prefixed compound
names, traditional characters with full-width digits, parts of a compound (一区/二区), an address
that leaves the compound out for its road number, a unit left out where two units fit."""

from __future__ import annotations

import pandas as pd
import pytest

from yiwang.resolve.houses import (
    HouseSettings,
    cluster_houses,
    compound_key,
    compound_similarity,
    golden_houses,
    house_settings,
    same_place,
)
from yiwang.resolve.similarity import edit_distance

GRID_A = "330106001001001"  # one community of 西湖区
GRID_B = "330108002003001"  # a community of 滨江区

REGISTER = [
    # source_key, address, compound, building, unit, room, grid
    ("F1", "杭州市西湖区翠苑街道文三路100号金麟花园5幢1单元302室", "金麟花园", "5幢", "1单元", "302", GRID_A),
    ("F2", "西湖区翠苑街道文三路100号金麟花园5幢2单元302室", "金麟花园", "5幢", "2单元", "302", GRID_A),
    ("F3", "翠苑街道翠苑一区12幢3单元401室", "翠苑一区", "12幢", "3单元", "401", GRID_A),
    ("F4", "翠苑街道翠苑二区12幢3单元401室", "翠苑二区", "12幢", "3单元", "401", GRID_A),
    # the same flat registered twice, typed two ways
    ("F5", "西湖区翠苑街道嘉绿苑十二号楼03单元0401", "嘉绿苑", "十二号楼", "03", "0401", GRID_A),
    ("F6", "嘉绿苑12-3-401", "嘉绿苑小区", "12", "3", "401室", GRID_A),
    # a compound of the same name in another district's community
    ("F7", "滨江区长河街道金麟花园5幢1单元302室", "金麟花园", "5", "1", "302", GRID_B),
]
OTHERS = [
    # mention id, role, address, house reference, grid
    ("homophone", "household", "杭州市西湖区翠苑街道锦麟花园五幢一单元302", None, None),
    ("prefixed", "member_residence", "绿城·金麟花园5栋1-302", None, GRID_A),
    ("traditional", "household", "翠苑一區１２幢３單元４０１室", None, None),
    ("road_only", "household", "西湖区文三路100号5号楼2单元302室", None, None),
    ("other_part", "residence", "翠苑二区12栋3单元401", None, GRID_A),
    ("no_unit", "household", "西湖区金麟花园5幢302室", None, None),  # 1单元 or 2单元: no guess
    ("other_district", "household", "滨江区金麟花园5幢1单元302室", None, None),
    ("by_reference", "residence", "某地址不详", "F3", GRID_A),
    ("unknown_1", "household", "拱墅区大关街道新华苑7幢1单元101室", None, None),
    ("unknown_2", "member_residence", "拱墅区新华苑7栋一单元101", None, None),
]


def mentions() -> pd.DataFrame:
    rows = [
        {
            "mention_id": f"grid_platform/zz_syfw/{key}/house",
            "source_platform": "grid_platform",
            "source_key": key,
            "house_role": "house",
            "house_reference": None,
            "address": address,
            "compound_name": compound,
            "building": building,
            "unit": unit,
            "room": room,
            "grid_code": grid,
            "floor_area_m2": 88.5,
            "observed_at": pd.Timestamp("2026-01-01"),
        }
        for key, address, compound, building, unit, room, grid in REGISTER
    ]
    rows += [
        {
            "mention_id": mention_id,
            "source_platform": "party_building" if role != "residence" else "grid_platform",
            "source_key": mention_id,
            "house_role": role,
            "house_reference": reference,
            "address": address,
            "grid_code": grid,
            "observed_at": pd.Timestamp("2026-02-01"),
        }
        for mention_id, role, address, reference, grid in OTHERS
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def clusters() -> pd.DataFrame:
    return cluster_houses(mentions(), HouseSettings()).set_index("mention_id")


def house(clusters: pd.DataFrame, key: str) -> int:
    return clusters.cluster[f"grid_platform/zz_syfw/{key}/house"]


def test_register_duplicates_typed_two_ways_are_one_house_and_namesakes_elsewhere_are_not(clusters):
    assert house(clusters, "F5") == house(clusters, "F6")
    assert len({house(clusters, k) for k in ("F1", "F2", "F3", "F4", "F5", "F7")}) == 6
    methods = clusters.match_method
    assert methods["grid_platform/zz_syfw/F5/house"] == "address_key"
    assert methods["grid_platform/zz_syfw/F1/house"] == "register"


@pytest.mark.parametrize(
    ("mention", "register", "method"),
    [
        ("homophone", "F1", "address_similar"),  # 锦麟/金麟: the same toneless pinyin
        ("prefixed", "F1", "address_similar"),  # a developer's prefix and a dot
        ("traditional", "F3", "address_key"),  # 區, 單元 and full-width digits
        ("road_only", "F2", "address_key"),  # the register pairs 文三路100号 with 金麟花园
        ("other_part", "F4", "address_key"),  # 二区 is not 一区
        ("by_reference", "F3", "house_reference"),
    ],
)
def test_other_records_link_to_their_register_house(clusters, mention, register, method):
    assert clusters.cluster[mention] == house(clusters, register)
    assert clusters.match_method[mention] == method


def test_no_link_when_two_houses_fit_or_the_district_differs(clusters):
    registered = {house(clusters, k) for k, *_ in REGISTER}
    assert clusters.cluster["no_unit"] not in registered  # 1单元 and 2单元 fit equally
    assert clusters.cluster["other_district"] == house(clusters, "F7")  # 滨江区 names the other 金麟花园
    assert clusters.cluster["other_district"] != house(clusters, "F1")


def test_unregistered_addresses_with_one_key_are_one_house_without_a_golden_record(clusters):
    assert clusters.cluster["unknown_1"] == clusters.cluster["unknown_2"]
    assert clusters.match_method["unknown_1"] == "address_key"
    assert clusters.match_method["no_unit"] == "singleton"
    keyed = clusters.reset_index().assign(house_key=lambda d: "H" + d.cluster.astype(str))
    golden = golden_houses(mentions(), keyed, {"compound_name": ["grid_platform"], "room": ["grid_platform"]})
    assert len(golden) == 6  # the register's six houses; addresses it lacks get no golden record
    assert "H" + str(clusters.cluster["unknown_1"]) not in set(golden.house_key)


def test_golden_house_comes_from_the_register_first(clusters):
    keyed = clusters.reset_index().assign(house_key=lambda d: "H" + d.cluster.astype(str))
    attributes = {c: ["grid_platform"] for c in ("standard_address", "compound_name", "building", "unit", "room")}
    golden = golden_houses(mentions(), keyed, attributes).set_index("house_key")
    f3 = golden.loc["H" + str(house(clusters, "F3"))]
    # by_reference (a resident record, also grid_platform) is newer, but the register record wins
    assert f3.compound_name_source_mention_id == "grid_platform/zz_syfw/F3/house"
    assert f3.standard_address == "翠苑街道翠苑一区12幢3单元401室"


def test_without_references_the_address_decides():
    frame = mentions()
    frame.loc[frame.mention_id == "by_reference", "address"] = "翠苑二区12幢3单元401室"
    with_reference = cluster_houses(frame, HouseSettings(use_house_reference=True)).set_index("mention_id")
    address_only = cluster_houses(frame, HouseSettings(use_house_reference=False)).set_index("mention_id")
    assert with_reference.cluster["by_reference"] == house(with_reference, "F3")
    assert address_only.cluster["by_reference"] == house(address_only, "F4")


def test_a_stricter_similarity_keeps_the_homophone_apart():
    strict = cluster_houses(mentions(), HouseSettings(min_similarity=0.95)).set_index("mention_id")
    assert strict.cluster["homophone"] != house(strict, "F1")
    assert strict.cluster["traditional"] == house(strict, "F3")


def test_compound_names_and_places():
    assert compound_key("招商·家阳壹号小区") == "招商家阳1号"
    assert compound_similarity("翠苑1期", "翠苑2期") == 0.0
    assert compound_similarity("翠苑一区", "翠苑二区") == 0.0
    assert compound_similarity("翠苑1期", "翠苑") == 0.95
    assert compound_similarity("锦麟花园", "金麟花园") == 0.9
    assert compound_similarity("金麟花园", "银杏花园") == 0.5
    assert edit_distance("金麟花园", "金林花苑") == 2
    assert same_place("绍兴诸暨市", "诸暨市") and same_place("柯桥区", "柯桥")
    assert not same_place("西湖区", "滨江区")


def test_the_settings_file_is_read_and_checked(tmp_path):
    assert house_settings().use_house_reference is True
    bad = tmp_path / "house.yml"
    bad.write_text("min_similarity: 0.8\nfuzzy: true\n", encoding="utf-8")
    with pytest.raises(ValueError, match="fuzzy"):
        house_settings(bad)


def test_a_family_that_moves_out_does_not_take_the_house_key_with_it():
    from yiwang.resolve.houses import key_anchors
    from yiwang.resolve.keys import assign_keys

    now = pd.Timestamp("2026-03-01")
    reg_a, reg_b = "grid_platform/zz_syfw/A/house", "grid_platform/zz_syfw/B/house"
    family = [f"grid_platform/zz_syrk/R{i}/residence" for i in range(3)]
    day1 = pd.DataFrame({"mention_id": [reg_a, *family, reg_b], "cluster": [0, 0, 0, 0, 4]})
    keys1 = assign_keys("house", "H", key_anchors(day1), None, None, "run1", now)
    by_cluster1 = (
        key_anchors(day1).assign(key=lambda d: d.mention_id.map(keys1.by_mention)).groupby("cluster").key.first()
    )
    previous = day1.assign(house_key=day1.cluster.map(by_cluster1))[["mention_id", "house_key"]]
    day2 = pd.DataFrame({"mention_id": [reg_a, *family, reg_b], "cluster": [0, 4, 4, 4, 4]})  # the family moved to B
    keys2 = assign_keys("house", "H", key_anchors(day2), previous, keys1.registry, "run2", now)
    assert keys2.by_mention[reg_a] == by_cluster1[0] and keys2.by_mention[reg_b] == by_cluster1[4]
    assert keys2.history.empty
    # without anchors the family (three of A's four mentions) would carry A's key to B
    naive = assign_keys("house", "H", day2, previous, keys1.registry, "run2", now)
    assert naive.by_mention[reg_a] != by_cluster1[0]
