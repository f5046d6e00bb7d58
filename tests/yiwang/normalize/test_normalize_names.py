"""Person names: simplified characters, masks, compound surnames, pinyin keys."""

from __future__ import annotations

import dataclasses

import pytest

from yiwang.normalize import parse_person_name, parse_person_names, phonetic_key


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("張偉", "张伟"),
        ("劉德華", "刘德华"),
        (" 张 伟 ", "张伟"),
        ("张\u3000伟", "张伟"),
        ("张-伟", "张伟"),
        ("欧阳 娜娜", "欧阳娜娜"),
        ("张三（户主）", "张三"),
        ("陳  小 明", "陈小明"),
    ],
)
def test_han_names_are_cleaned(raw: str, name: str) -> None:
    result = parse_person_name(raw)
    assert result.name == name
    assert result.is_valid and result.script == "han"


@pytest.mark.parametrize(
    ("raw", "surname", "given"),
    [
        ("欧阳娜娜", "欧阳", "娜娜"),
        ("司马光", "司马", "光"),
        ("诸葛亮", "诸葛", "亮"),
        ("上官婉儿", "上官", "婉儿"),
        ("尉迟恭", "尉迟", "恭"),
        ("东方明", "东方", "明"),
        ("张伟", "张", "伟"),
        ("欧阳", "欧", "阳"),  # two characters: a single surname and a given name
    ],
)
def test_surname_split(raw: str, surname: str, given: str) -> None:
    result = parse_person_name(raw)
    assert (result.surname, result.given_name) == (surname, given)


@pytest.mark.parametrize(
    "raw",
    [
        "阿依古丽·买买提",
        "阿依古丽•买买提",
        "阿依古丽・买买提",
        "阿依古丽.买买提",
        "阿依古丽．买买提",
        "阿依古丽 · 买买提",
        "阿依古丽 买买提",
    ],
)
def test_transliterated_names_keep_one_middle_dot(raw: str) -> None:
    result = parse_person_name(raw)
    assert result.name == "阿依古丽·买买提"
    assert result.script == "transliterated"
    assert result.pinyin_key == "a yi gu li mai mai ti"
    assert result.surname is None


@pytest.mark.parametrize(
    ("raw", "surname"),
    [
        ("张某", "张"),
        ("张某某", "张"),
        ("张*", "张"),
        ("张**", "张"),
        ("张＊＊", "张"),
        ("张×伟", "张"),
        ("张先生", "张"),
        ("张女士", "张"),
        ("张师傅", "张"),
        ("王总", "王"),
        ("李 某", "李"),
        ("欧阳某", "欧阳"),
        ("欧阳先生", "欧阳"),
        ("張先生", "张"),
        ("张", "张"),
    ],
)
def test_masks_keep_the_surname(raw: str, surname: str) -> None:
    result = parse_person_name(raw)
    assert (result.name, result.reason, result.is_masked, result.surname) == (
        None,
        "masked",
        True,
        surname,
    )


@pytest.mark.parametrize(
    "raw", ["匿名", "无", "不详", "未知", "先生", "某某", "null", "N/A", "-", "？", "来电人", "**"]
)
def test_placeholders(raw: str) -> None:
    result = parse_person_name(raw)
    assert result.name is None and result.reason == "placeholder"
    assert result.surname is None


@pytest.mark.parametrize(("raw", "reason"), [("", "empty"), (None, "empty"), ("张3", "bad_characters")])
def test_other_reasons(raw: object, reason: str) -> None:
    assert parse_person_name(raw).reason == reason


def test_pinyin_keys_use_surname_readings() -> None:
    assert parse_person_name("单雄信").pinyin_key == "shan xiong xin"
    assert parse_person_name("曾国藩").pinyin_key == "zeng guo fan"
    assert parse_person_name("解缙").pinyin_key == "xie jin"


def test_homophone_typos_share_a_key() -> None:
    assert parse_person_name("张伟").pinyin_key == parse_person_name("章玮").pinyin_key
    # the looser key also merges z/zh, n/l and -n/-ng
    a, b = parse_person_name("张宁"), parse_person_name("赞林")
    assert a.pinyin_key != b.pinyin_key
    assert a.phonetic_key == b.phonetic_key == "zan lin"
    assert phonetic_key("shi cheng") == phonetic_key("si cen")


def test_latin_names_meet_han_names_on_the_pinyin_key() -> None:
    latin = parse_person_name("ZHANG  wei")
    assert (latin.name, latin.script) == ("Zhang Wei", "latin")
    assert latin.pinyin_key == parse_person_name("张伟").pinyin_key


def test_vectorised_matches_scalar() -> None:
    values = ["張偉", None, "张**", "张伟", "张伟", "阿依古丽 买买提", "匿名"]
    rows = parse_person_names(values).to_pylist()
    assert rows == [dataclasses.asdict(parse_person_name(v)) for v in values]
