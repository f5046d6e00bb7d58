"""Tests for yiwang.simulate.names: realistic, reproducible, vectorised name samplers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from yiwang.simulate import names

CITY = "绍兴市"
DISTRICTS = ["越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"]


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@pytest.fixture(scope="module")
def city_people() -> pd.DataFrame:
    """A million people, as the simulator draws them."""
    rng = np.random.default_rng(20240101)
    n = 1_000_000
    sex = rng.integers(1, 3, n)
    birth_year = rng.integers(1935, 2024, n)
    ethnicity = names.ethnicities(rng, n)
    full = names.person_names(rng, sex, birth_year, ethnicity)
    return pd.DataFrame({"sex": sex, "birth_year": birth_year, "ethnicity": ethnicity, "name": full})


def test_same_seed_same_output() -> None:
    def draw(seed: int) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        sex = rng.integers(1, 3, 2000)
        year = rng.integers(1940, 2020, 2000)
        eth = names.ethnicities(rng, 2000)
        company, industry = names.company_names(rng, 500, CITY, DISTRICTS)
        return [
            names.surnames(rng, 1000),
            names.given_names(rng, sex, year),
            names.person_names(rng, sex, year, eth),
            eth,
            company,
            industry,
            names.compound_names(rng, 500),
            names.road_names(rng, 500),
            names.community_names(rng, 200),
        ]

    a, b, c = draw(7), draw(7), draw(8)
    for x, y in zip(a, b, strict=True):
        assert x.tolist() == y.tolist()
    assert a[0].tolist() != c[0].tolist()


def test_top_surnames_are_wang_li_zhang() -> None:
    s = pd.Series(names.surnames(np.random.default_rng(1), 100_000))
    top = s.value_counts()
    assert set(top.index[:3]) == {"王", "李", "张"}
    assert 0.06 < top["王"] / len(s) < 0.085
    assert set(top.index[:10]) >= {"刘", "陈"}
    compound = s[s.str.len() == 2]
    assert 50 < len(compound) < 600  # about 0.2%
    assert set(compound) <= set(names.COMPOUND_SURNAMES)
    assert s.nunique() > 250  # a long tail


def test_given_names_lengths_and_generations() -> None:
    rng = np.random.default_rng(2)
    n = 40_000
    old = pd.Series(names.given_names(rng, np.full(n, 2), np.full(n, 1955)))
    young = pd.Series(names.given_names(rng, np.full(n, 2), np.full(n, 2015)))
    men_80s = pd.Series(names.given_names(rng, np.full(n, 1), np.full(n, 1985)))
    for s in (old, young, men_80s):
        assert set(s.str.len().unique()) <= {1, 2}
    # single-character names peak in the 1980s and are rare for children of the 2010s
    assert (young.str.len() == 1).mean() < 0.15 < (men_80s.str.len() == 1).mean() < 0.5

    def share(s: pd.Series, chars: str) -> float:
        return s.str.contains(f"[{chars}]").mean()

    assert share(old, "秀英兰桂珍") > 0.3 > 0.05 > share(young, "秀英兰桂珍")
    assert share(young, "梓涵诺汐萱") > 0.3 > 0.05 > share(old, "梓涵诺汐萱")


def test_given_names_follow_sex() -> None:
    rng = np.random.default_rng(21)
    n = 20_000
    sex = np.repeat(np.array([1, 2, "男", "女"], dtype=object), n // 4)
    given = pd.Series(names.given_names(rng, sex, np.full(n, 1985)))
    male = given[np.isin(sex.astype(str), ["1", "男"])]
    female = given[np.isin(sex.astype(str), ["2", "女"])]
    manly, womanly = "强磊军杰涛鹏", "娜丽静婷燕芳"
    assert male.str.contains(f"[{manly}]").mean() > 0.2 > 0.03 > female.str.contains(f"[{manly}]").mean()
    assert female.str.contains(f"[{womanly}]").mean() > 0.2 > 0.03 > male.str.contains(f"[{womanly}]").mean()


def test_sex_codes_other_than_1_2_are_drawn() -> None:
    rng = np.random.default_rng(3)
    out = names.given_names(rng, np.array([0, 9, 1, 2, "1", "2"], dtype=object), np.full(6, 1990))
    assert len(out) == 6 and all(isinstance(v, str) and v for v in out)


def test_full_names_recur_in_a_city(city_people: pd.DataFrame) -> None:
    counts = city_people["name"].value_counts()
    shared = counts[counts >= 2]
    # different people with the same name are common: hard negatives for matching
    assert shared.sum() > 0.4 * len(city_people)
    assert counts.iloc[0] > 100
    assert counts.index[0][0] in "王李张刘陈"
    assert counts.size > 200_000  # but names are not drawn from a tiny list


def test_rare_and_gb18030_only_characters(city_people: pd.DataFrame) -> None:
    assert set(names.RARE_CHARACTERS) == set(names.RARE_GBK_CHARACTERS) | set(names.GB18030_ONLY_CHARACTERS)
    for ch in names.RARE_GBK_CHARACTERS:
        assert _encodes(ch, "gbk") and not _encodes(ch, "gb2312"), ch
    for ch in names.GB18030_ONLY_CHARACTERS:
        assert _encodes(ch, "gb18030") and not _encodes(ch, "gbk"), ch
    assert {"喆", "赟", "堃"} <= set(names.RARE_GBK_CHARACTERS)
    assert {"䶮", "𠮷"} <= set(names.GB18030_ONLY_CHARACTERS)

    all_names = city_people["name"]
    gb18030 = all_names[all_names.str.contains(f"[{''.join(names.GB18030_ONLY_CHARACTERS)}]")]
    assert 20 < len(gb18030) < 1000  # a very small share, but present
    for name in gb18030:
        assert _encodes(name, "gb18030")
        assert not _encodes(name, "gbk")
    rare = all_names.str.contains(f"[{''.join(names.RARE_GBK_CHARACTERS)}]").sum()
    assert 1000 < rare < 6000  # about 0.3%


def test_ethnicities(city_people: pd.DataFrame) -> None:
    assert names.ETHNICITIES["01"] == "汉族"
    assert names.ETHNICITIES["02"] == "蒙古族"
    assert names.ETHNICITIES["03"] == "回族"
    assert names.ETHNICITIES["05"] == "维吾尔族"
    assert names.ETHNICITIES["56"] == "基诺族"
    assert all(re.fullmatch(r"\d\d", c) for c in names.ETHNICITIES)
    assert len(names.ETHNICITIES) == 58  # 56 groups, 其他, 外国血统
    eth = city_people["ethnicity"]
    assert set(eth) <= set(names.ETHNICITIES)
    assert 0.905 < (eth == "01").mean() < 0.918
    assert (eth == "08").mean() > (eth == "05").mean() > 0.005  # Zhuang, Uyghur
    local = names.ethnicities(np.random.default_rng(4), 50_000, han_share=0.99)
    assert 0.985 < (local == "01").mean() < 0.995
    with pytest.raises(ValueError):
        names.ethnicities(np.random.default_rng(4), 10, han_share=1.5)


def test_minority_names_follow_ethnicity(city_people: pd.DataFrame) -> None:
    people = city_people
    dotted = people["name"].str.contains("·")
    uyghur = people["ethnicity"] == "05"
    assert dotted[uyghur].mean() > 0.9
    assert not dotted[people["ethnicity"] == "01"].any()
    for name in people.loc[uyghur & dotted, "name"].head(100):
        own, father = name.split("·")
        assert len(own) >= 2 and len(father) >= 2
    tibetan = people.loc[people["ethnicity"] == "04", "name"]
    assert (tibetan.str.len() == 4).mean() > 0.8  # 扎西多吉, 次仁卓玛
    # integer codes work too
    rng = np.random.default_rng(5)
    out = names.person_names(rng, np.ones(200, int), np.full(200, 1990), np.full(200, 5))
    assert np.mean(["·" in v for v in out]) > 0.8


def test_company_names() -> None:
    rng = np.random.default_rng(6)
    n = 100_000
    company, industry, kind = names.company_names(rng, n, CITY, DISTRICTS, province_name="浙江省", with_kinds=True)
    s = pd.Series(company)
    assert s.is_unique
    assert set(industry) <= set(names.INDUSTRY_SECTIONS.values())
    assert set(kind) == set(names.ORGANISATION_KINDS)
    kinds = pd.Series(kind).value_counts(normalize=True)
    assert 0.6 < kinds["企业"] < 0.8 and 0.02 < kinds["社会组织"] < 0.06
    ent = s[kind == "企业"]
    assert ent.str.endswith("有限公司").mean() > 0.6
    assert ent.str.contains("越城分公司|柯桥分公司").any()
    assert ent.str.contains("股份有限公司").any()
    assert ent.str.contains("（绍兴）有限公司").any()
    assert ent.str.startswith(("绍兴", "浙江")).mean() > 0.6
    shops = s[kind == "个体工商户"]
    assert shops.str.endswith(("便利店", "超市", "面馆", "小吃店", "理发店")).mean() > 0.2
    social = s[kind == "社会组织"]
    assert social.str.contains("协会|商会|促进会|社区").mean() > 0.7
    # names are unique, but trade names recur across industries (hard negatives)
    trade = ent.str.extract(r"^绍兴(..)(?:科技|贸易|纺织)有限公司$")[0].dropna()
    assert trade.duplicated().any()
    # without with_kinds, a pair
    pair = names.company_names(np.random.default_rng(6), 10, "绍兴", DISTRICTS)
    assert len(pair) == 2 and len(pair[0]) == 10


def test_compound_road_and_community_names() -> None:
    rng = np.random.default_rng(7)
    compounds = pd.Series(names.compound_names(rng, 20_000))
    assert compounds.is_unique
    suffixes = ("花园", "小区", "苑", "家园", "新村", "公寓", "府", "名邸", "华庭")
    assert compounds.str.endswith(suffixes).mean() > 0.45
    assert compounds.str.endswith("宿舍").any()
    roads = pd.Series(names.road_names(rng, 3000))
    assert roads.is_unique
    assert roads.str.endswith(("路", "街", "大道", "巷", "弄")).all()
    communities = pd.Series(names.community_names(rng, 500))
    assert communities.is_unique
    assert communities.str.endswith(("社区", "村")).all()
    dup = names.compound_names(np.random.default_rng(7), 20_000, unique=False)
    assert len(dup) == 20_000
