"""The deterministic matching rules on small hand-made tables (not simulator output)."""

from __future__ import annotations

import pandas as pd

from yiwang.resolve.legal_entities import cluster_legal_entities, organisation_name_key
from yiwang.resolve.matters import cluster_matters
from yiwang.resolve.people import cluster_people, name_key
from yiwang.resolve.union_find import GuardedUnionFind

ID_A = "11010519491231002X"
ID_B = "110105194912310037"


def _people(rows):
    columns = ["mention_id", "person_name", "id_number", "id_number_is_valid", "phone", "birth_date"]
    return pd.DataFrame(rows, columns=columns)


def _same(clusters: pd.DataFrame, *ids: str) -> bool:
    return clusters.set_index("mention_id").cluster[list(ids)].nunique() == 1


def test_guarded_union_refuses_two_different_exclusive_values():
    uf = GuardedUnionFind(["x", "y", None])
    assert uf.union(0, 2) and not uf.union(1, 2)
    assert uf.refused == [(1, 2)]


def test_people_join_by_id_then_name_and_phone_then_name_and_birth_date():
    clusters, conflicts = cluster_people(
        _people(
            [
                ("m1", "王小明", ID_A, True, None, None),
                ("m2", "王小明", ID_A, True, "13800000000", None),
                ("m3", "王小明", None, False, "13800000000", None),  # no ID: by name + phone
                ("m4", "王小明", "123", False, None, "1949-12-31"),  # invalid ID: by name + birth date
                ("m5", "王某", None, False, "13800000000", None),  # masked name: no join
                ("m6", "李四", None, False, "13800000000", None),  # family phone, other name: no join
            ]
        ).assign(birth_date=lambda d: d.birth_date.fillna("1949-12-31").where(d.mention_id != "m3"))
    )
    assert _same(clusters, "m1", "m2", "m3", "m4")
    assert not _same(clusters, "m1", "m5") and not _same(clusters, "m1", "m6")
    methods = clusters.set_index("mention_id").match_method
    assert methods["m1"] == "id_number" and methods["m5"] == "singleton"
    assert conflicts.empty


def test_two_valid_ids_are_never_merged_and_the_refusal_is_a_conflict():
    clusters, conflicts = cluster_people(
        _people([("a", "张三", ID_A, True, "13900000000", None), ("b", "张三", ID_B, True, "13900000000", None)])
    )
    assert not _same(clusters, "a", "b")
    assert conflicts.conflict_kind.tolist() == ["two_valid_ids"]
    assert {conflicts.value_a[0], conflicts.value_b[0]} == {ID_A, ID_B}


def test_name_keys():
    assert name_key(" 欧阳 修 ") == "欧阳修"
    assert name_key("张某") is None and name_key("李*") is None and name_key("王") is None


def test_organisation_names_normalise_forms_brackets_and_place_prefixes():
    assert organisation_name_key("绍兴市越城区  鑫达贸易有限责任公司") == organisation_name_key("鑫达贸易有限公司")
    assert organisation_name_key("鑫达贸易（绍兴）有限公司") == organisation_name_key("鑫达贸易有限公司")
    assert organisation_name_key("鑫达贸易有限公司柯桥分公司") != organisation_name_key("鑫达贸易有限公司")


def test_legal_entities_by_credit_code_then_name_without_merging_two_codes():
    frame = pd.DataFrame(
        {
            "mention_id": ["a", "b", "c", "d"],
            "entity_name": ["鑫达贸易有限公司", "绍兴鑫达贸易有限公司", "鑫达贸易有限责任公司", "鑫达贸易有限公司"],
            "credit_code": ["91330600MA2BX0001A", "91330600MA2BX0001A", None, "91330600MA2BX0002B"],
        }
    )
    clusters, conflicts = cluster_legal_entities(frame)
    assert _same(clusters, "a", "b", "c")
    assert not _same(clusters, "a", "d")
    assert conflicts.conflict_kind.tolist() == ["two_credit_codes"]


def test_matters_need_the_same_category_place_and_time_window():
    reports = pd.DataFrame(
        {
            "event_key": ["e1", "e2", "e3", "e4", "e5"],
            "category_code": ["C1", "C1", "C1", "C2", "C1"],
            "reported_at": pd.to_datetime(
                ["2026-11-01 08:00", "2026-11-01 20:00", "2026-11-09 08:00", "2026-11-01 09:00", "2026-11-01 10:00"]
            ),
            "longitude": [120.580, 120.5805, 120.580, 120.580, 120.600],
            "latitude": [30.000, 30.0003, 30.000, 30.000, 30.000],
            "address": [None] * 5,
        }
    )
    clusters = cluster_matters(reports, window_hours=72, distance_m=150)
    assert _same(clusters, "e1", "e2")  # ~60 m apart, 12 h apart
    assert not _same(clusters, "e1", "e3")  # a week later
    assert not _same(clusters, "e1", "e4")  # another category
    assert not _same(clusters, "e1", "e5")  # 2 km away


def test_a_family_phone_decides_nothing_but_a_nameless_caller_joins_a_phone_that_names_one_person():
    frame = _people(
        [
            ("dad", "赵大海", ID_A, True, "13700000001", None),
            ("kid", "赵小海", None, False, "13700000001", None),  # family phone: stays apart
            ("caller", None, None, False, "13700000001", None),  # nameless, but the phone names two
            ("mum", "钱红", ID_B, True, "13700000002", None),
            ("caller2", None, None, False, "13700000002", None),  # nameless, the phone names one person
        ]
    ).assign(grid_code=None)
    clusters, _ = cluster_people(frame)
    assert not _same(clusters, "dad", "kid") and not _same(clusters, "dad", "caller")
    assert _same(clusters, "mum", "caller2")
    assert clusters.set_index("mention_id").match_method["caller2"] == "unique_phone"


def test_a_homophone_name_with_the_same_phone_is_the_same_person():
    frame = _people(
        [("a", "吴功华", ID_A, True, "13600000000", None), ("b", "吴功花", None, False, "13600000000", None)]
    )
    clusters, _ = cluster_people(frame)
    assert _same(clusters, "a", "b")


def test_a_name_one_person_in_the_warehouse_holds_joins_it_and_a_shared_name_decides_nothing():
    frame = _people(
        [
            ("resident", "欧阳明月", ID_A, True, "13500000001", None),
            ("legal_rep", "欧阳明月", None, False, None, None),  # rare name: the one holder
            ("a", "张伟", ID_B, True, "13500000002", None),
            ("b", "张伟", "330602194212155910", True, "13500000003", None),
            ("caller", "张伟", None, False, None, None),  # two people hold the name: stays apart
        ]
    ).assign(grid_code=None)
    clusters, _ = cluster_people(frame)
    assert _same(clusters, "resident", "legal_rep")
    assert clusters.set_index("mention_id").match_method["legal_rep"] == "unique_name"
    assert not _same(clusters, "a", "caller") and not _same(clusters, "b", "caller")


def test_birth_keys_treat_a_day_month_swap_as_the_same_date():
    from yiwang.resolve.people import birth_keys

    keys = birth_keys(pd.Series(["1980-05-12", "1980-12-05", "1980-05-13", None, "not a date"]))
    assert keys[0] == keys[1] and keys[0] != keys[2]
    assert keys[3] is None and keys[4] is None


def test_a_person_without_a_valid_id_makes_a_shared_name_ambiguous():
    # two 王红玲: one registered with a valid ID (born 1980), one whose ID was typed wrong but
    # whose birth date (1970) says she is someone else; a legal representative named 王红玲
    # with nothing else could be either, so she joins neither
    frame = _people(
        [
            ("registered", "王红玲", "330621198005051649", True, "19954897259", "1980-05-05"),
            ("typo_id", "王红玲", "33068119700627462X", False, "18957210313", "1970-06-27"),
            ("legal_rep", "王红玲", None, False, None, None),
        ]
    ).assign(grid_code=None)
    clusters, _ = cluster_people(frame)
    assert not _same(clusters, "registered", "typo_id")
    assert not _same(clusters, "registered", "legal_rep") and not _same(clusters, "typo_id", "legal_rep")


def test_a_unique_name_is_vetoed_by_a_different_phone_and_a_different_birth_date():
    frame = _people(
        [
            ("resident", "雷伟", ID_A, True, "13992120616", None),
            ("caller", "雷伟", None, False, "18715559789", None),  # same rare name, another phone
            ("resident2", "司马相如", ID_B, True, None, None),
            ("member", "司马相如", "123", False, None, "1990-01-01"),  # another birth date (ID B: 1949)
            ("resident3", "诸葛亮亮", "330602194212155910", True, None, None),
            ("rep", "诸葛亮亮", None, False, None, None),  # nothing against: joins
        ]
    ).assign(grid_code=None)
    clusters, _ = cluster_people(frame)
    assert not _same(clusters, "resident", "caller")
    assert not _same(clusters, "resident2", "member")
    assert _same(clusters, "resident3", "rep")


def test_a_masked_caller_joins_the_one_person_on_a_family_phone_with_that_surname():
    frame = _people(
        [
            ("dad", "赵大海", ID_B, True, "13700000001", None),  # sequence 003: a man
            ("mum", "钱红", ID_A, True, "13700000001", None),  # sequence 002: a woman; one family phone
            ("mr_zhao", None, None, False, "13700000001", None),
            ("ms_qian", None, None, False, "13700000001", None),
            ("mr_qian", None, None, False, "13700000001", None),  # 钱先生: a man, so not 钱红 (female ID)
            ("ms_sun", None, None, False, "13700000001", None),  # nobody of that surname
        ]
    ).assign(
        grid_code=None,
        person_name_as_given=[None, None, "赵先生", "钱 女士", "钱先生", "孙女士"],
        id_number_sex=["male", "female", None, None, None, None],
        sex=None,
    )
    clusters, _ = cluster_people(frame)
    method = clusters.set_index("mention_id").match_method
    assert _same(clusters, "dad", "mr_zhao") and method["mr_zhao"] == "masked_name_phone"
    assert _same(clusters, "mum", "ms_qian")
    assert not _same(clusters, "mum", "mr_qian") and not _same(clusters, "dad", "mr_qian")
    assert method["ms_sun"] == "singleton"


def test_the_scored_pairs_are_vetoed_when_names_neither_sound_alike_nor_differ_in_one_character():
    from yiwang.resolve.people import Evidence, _work

    frame = _people(
        [
            ("father", "姜亮忠", ID_A, True, "15538265924", None),
            ("son", "姜梓钦", None, False, "15538265924", "2017-04-26"),
            ("typo", "姜亮中", None, False, "15538265924", None),  # one character apart
            ("homophone", "江亮忠", None, False, None, None),  # sounds the same
        ]
    ).assign(grid_code=None)
    veto = Evidence(_work(frame)).veto(("birth_date", "sex", "name"))
    assert veto([0], [1]) in ("birth_date", "name")
    assert veto([0], [2]) is None and veto([0], [3]) is None


def test_matters_trade_distance_for_time_in_one_neighbourhood():
    # window 48 h, 50 m: the same spot a day and a half apart is one matter; 40 m apart it must
    # be within hours ((40/50)² + (30/48)² > 1, (40/50)² + (6/48)² ≤ 1)
    base = pd.Timestamp("2026-11-01 08:00")
    metres = 40 / 111_320  # 40 m of latitude in degrees
    reports = pd.DataFrame(
        {
            "event_key": ["spot", "spot_later", "near_soon", "near_late"],
            "category_code": ["C1"] * 4,
            "reported_at": [
                base,
                base + pd.Timedelta(hours=36),
                base + pd.Timedelta(hours=6),
                base + pd.Timedelta(hours=30),
            ],
            "longitude": [120.58] * 4,
            "latitude": [30.0, 30.0, 30.0 + metres, 30.0 + 2.5 * metres],  # near_late is 100 m away
            "address": [None] * 4,
        }
    )
    clusters = cluster_matters(reports, window_hours=48, distance_m=50)
    assert _same(clusters, "spot", "spot_later", "near_soon")
    assert not _same(clusters, "spot", "near_late")


def test_a_compound_and_its_road_number_are_one_place_once_an_address_gives_both():
    from yiwang.resolve.matters import place_keys

    keys = place_keys(
        pd.Series(
            [
                "上虞区百官街道新城·宁辉花园五号楼1单元401室",  # by compound
                "绍兴市上虞区百官街道康乐路356号5-1-401室",  # by road and number
                "上虞区康乐路356号新城·宁辉花园5幢",  # gives both: teaches the alias
                "康乐路358号5-1-401室",  # another number: another place
                "人民路1号3-2-101",  # a road number two compounds claim: no alias
                "人民路1号甲小区3幢",
                "人民路1号乙小区3幢",
            ]
        )
    )
    assert keys[0] == keys[1] != keys[3]
    assert "甲小区" not in keys[4] and "乙小区" not in keys[4]
