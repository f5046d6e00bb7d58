"""Tests for yiwang.simulate.mess: vectorised, reproducible, mask-exact mess transforms."""

from __future__ import annotations

import re
import time
import unicodedata

import numpy as np
import pandas as pd
import pytest
from pypinyin import lazy_pinyin
from stdnum.cn import ric

from yiwang.simulate import mess, names

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def valid_ids(rng: np.random.Generator, n: int) -> pd.Series:
    """n valid 18-character citizen ID numbers, built without per-row Python."""
    # division codes valid over the whole birth range (stdnum checks place against date)
    area = rng.choice(np.array(["330602", "330624", "330681", "110101", "440305"]), n)
    birth = pd.to_datetime("1990-01-01") + pd.to_timedelta(rng.integers(0, 9000, n), unit="D")
    seq = pd.Series(rng.integers(0, 1000, n)).astype(str).str.zfill(3)
    body = pd.Series(area) + pd.Series(birth.strftime("%Y%m%d")) + seq
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = np.array(list("10X98765432"), dtype=object)[(digits @ _WEIGHTS) % 11]
    return pd.Series((body + check).to_numpy(dtype=object), dtype="str")


def mobiles(rng: np.random.Generator, n: int) -> pd.Series:
    prefix = rng.choice(np.array(["138", "139", "150", "158", "186", "189", "199"]), n)
    rest = pd.Series(rng.integers(0, 10**8, n)).astype(str).str.zfill(8)
    return pd.Series(prefix) + rest


def mask_of(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share


def assert_unmasked_unchanged(before: pd.Series, after: pd.Series, mask: np.ndarray) -> None:
    assert len(after) == len(before)
    assert after.index.equals(before.index)
    b, a = before[~mask], after[~mask]
    assert (b.isna() == a.isna()).all()
    assert (b[b.notna()] == a[b.notna()]).all()


@pytest.fixture(scope="module")
def ids() -> pd.Series:
    s = valid_ids(np.random.default_rng(11), 20_000)
    s.iloc[[3, 17]] = None
    return s


# --------------------------------------------------------------------- identifiers


def test_fullwidth(ids: pd.Series) -> None:
    m = mask_of(np.random.default_rng(1), len(ids), 0.3)
    out = mess.fullwidth(ids, m)
    assert_unmasked_unchanged(ids, out, m)
    hit = m & ids.notna().to_numpy()
    assert not out[hit].str.contains("[0-9A-Za-z]").any()
    assert (out[hit].map(lambda v: unicodedata.normalize("NFKC", v)) == ids[hit]).all()
    assert out[m & ids.isna().to_numpy()].isna().all()
    assert mess.fullwidth(pd.Series(["138-1234 5678"]), [True]).iloc[0] == "１３８－１２３４ ５６７８"
    spaced = mess.fullwidth(pd.Series(["a b"]), [True], ideographic_space=True)
    assert spaced.iloc[0] == "ａ\u3000ｂ"
    mixed = mess.fullwidth(pd.Series(["绍兴市3幢-2", ""]), [True, True])
    assert mixed.tolist() == ["绍兴市３幢－２", ""]


def test_lowercase_x(ids: pd.Series) -> None:
    m = np.ones(len(ids), dtype=bool)
    out = mess.lowercase_x(ids, m)
    ends_x = ids.str.endswith("X").fillna(False).to_numpy()
    assert ends_x.sum() > 100
    assert out[ends_x].str.endswith("x").all()
    assert (out[ends_x].str[:17] == ids[ends_x].str[:17]).all()
    assert_unmasked_unchanged(ids, out, ends_x)
    assert mess.lowercase_x(pd.Series(["ＡＸ"]), [True]).iloc[0] == "Ａｘ"


def test_id_to_15(ids: pd.Series) -> None:
    m = mask_of(np.random.default_rng(2), len(ids), 0.1)
    out = mess.id_to_15(ids, m)
    assert_unmasked_unchanged(ids, out, m)
    born_1900s = ids.str.slice(6, 8).eq("19").fillna(False).to_numpy()
    hit = m & ids.notna().to_numpy() & born_1900s
    assert hit.sum() > 10 and (m & ~born_1900s & ids.notna().to_numpy()).sum() > 10
    assert out[hit].str.fullmatch(r"\d{15}").all()
    assert (out[hit] == ids[hit].str[:6] + ids[hit].str[8:17]).all()
    later = m & ids.notna().to_numpy() & ~born_1900s
    assert (out[later] == ids[later]).all()  # born after 1999: never had a 15-digit number
    short = mess.id_to_15(pd.Series(["330602900101123"]), [True])
    assert short.iloc[0] == "330602900101123"  # already 15: untouched


def test_wrong_check_character(ids: pd.Series) -> None:
    assert all(ric.is_valid(v) for v in ids.dropna())
    m = mask_of(np.random.default_rng(3), len(ids), 0.5)
    out = mess.wrong_check_character(ids, m, np.random.default_rng(4))
    assert_unmasked_unchanged(ids, out, m)
    hit = m & ids.notna().to_numpy()
    assert not any(ric.is_valid(v) for v in out[hit])
    assert (out[hit].str[:17] == ids[hit].str[:17]).all()
    assert out[hit].str[17].isin(list("0123456789X")).all()
    assert out[hit].str[17].nunique() == 11
    again = mess.wrong_check_character(ids, m, np.random.default_rng(4))
    assert again.equals(out)


def test_spreadsheet_mangle_id(ids: pd.Series) -> None:
    m = mask_of(np.random.default_rng(5), len(ids), 0.5)
    out = mess.spreadsheet_mangle_id(ids, m, np.random.default_rng(6))
    assert_unmasked_unchanged(ids, out, m)
    digits = ids.str.fullmatch(r"\d{18}").fillna(False).to_numpy()
    assert (out[m & ~digits].fillna("") == ids[m & ~digits].fillna("")).all()  # X stays text
    hit = out[m & digits]
    orig = ids[m & digits]
    zeros = hit.str.fullmatch(r"\d{15}000")
    sci = hit.str.fullmatch(r"\d(\.\d{1,5})?E\+1[78]")
    flt = hit.str.fullmatch(r"\d\.\d+e\+17")
    assert (zeros | sci | flt).all()
    assert zeros.mean() > 0.35 and sci.mean() > 0.35 and flt.mean() > 0.05
    assert (hit[zeros].str[:15] == orig[zeros].str[:15]).all()
    for v, o in zip(hit[sci], orig[sci], strict=True):
        assert float(v) == pytest.approx(float(o), rel=5e-6)
    for v, o in zip(hit[flt], orig[flt], strict=True):
        assert float(v) == float(o[:15] + "000")
    fixed = mess.spreadsheet_mangle_id(
        pd.Series(["330602199001011234", "330000199001011234", "999999599001011234"]),
        [True] * 3,
        np.random.default_rng(0),
        styles={"scientific": 1.0},
    )
    assert fixed.tolist() == ["3.30602E+17", "3.3E+17", "1E+18"]


def test_separators(ids: pd.Series) -> None:
    rng = np.random.default_rng(7)
    m = mask_of(rng, len(ids), 0.4)
    out = mess.separators(ids, m, rng)
    assert_unmasked_unchanged(ids, out, m)
    hit = m & ids.notna().to_numpy()
    assert (out[hit].str.replace(r"[ \-]", "", regex=True) == ids[hit]).all()
    assert (out[hit] != ids[hit]).all()
    assert out[hit].str.fullmatch(r" ?\d{6} \d{8} \d{3}[\dX] ?").any()
    assert out[hit].str.fullmatch(r" ?\d{6}-\d{8}-\d{3}[\dX] ?").any()
    phones = mobiles(rng, 2000)
    grouped = mess.separators(phones, np.ones(2000, bool), rng, styles={"dash": 1.0}, pad_probability=0.0)
    assert grouped.str.fullmatch(r"1\d\d-\d{4}-\d{4}").all()


def test_digit_typo(ids: pd.Series) -> None:
    rng = np.random.default_rng(8)
    phones = mobiles(rng, 5000)
    m = mask_of(rng, 5000, 0.5)
    out = mess.digit_typo(phones, m, rng)
    assert_unmasked_unchanged(phones, out, m)
    assert (out[m] != phones[m]).all()
    assert (out[m].str.len() == 11).all()
    diff = [sum(a != b for a, b in zip(x, y, strict=True)) for x, y in zip(out[m], phones[m], strict=True)]
    assert set(diff) <= {1, 2}


# --------------------------------------------------------------------- names


@pytest.fixture(scope="module")
def people_names() -> pd.Series:
    rng = np.random.default_rng(12)
    n = 20_000
    eth = names.ethnicities(rng, n)
    return pd.Series(names.person_names(rng, rng.integers(1, 3, n), rng.integers(1940, 2020, n), eth))


def test_traditional(people_names: pd.Series) -> None:
    s = pd.Series(["张伟", "刘丽华", None, "绍兴市越城区", "王芳"])
    out = mess.traditional(s, [True, True, True, True, False])
    assert out.tolist()[:2] == ["張偉", "劉麗華"]
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == "紹興市越城區"
    assert out.iloc[4] == "王芳"
    m = mask_of(np.random.default_rng(9), len(people_names), 0.3)
    big = mess.traditional(people_names, m)
    assert_unmasked_unchanged(people_names, big, m)
    assert (big[m] != people_names[m]).mean() > 0.5


def test_homophone_typo(people_names: pd.Series) -> None:
    m = mask_of(np.random.default_rng(10), len(people_names), 0.5)
    out = mess.homophone_typo(people_names, m, np.random.default_rng(11))
    assert_unmasked_unchanged(people_names, out, m)
    changed = 0
    for new, old in zip(out[m], people_names[m], strict=True):
        assert len(new) == len(old)
        diffs = [i for i, (a, b) in enumerate(zip(new, old, strict=True)) if a != b]
        if not diffs:
            continue
        changed += 1
        assert len(diffs) == 1
        i = diffs[0]
        surname_len = 2 if old[:2] in names.COMPOUND_SURNAMES else 1
        assert i >= surname_len  # the surname is kept
        assert lazy_pinyin(new[i]) == lazy_pinyin(old[i])
    assert changed / m.sum() > 0.97  # nearly every name has a character with a homophone
    again = mess.homophone_typo(people_names, m, np.random.default_rng(11))
    assert again.equals(out)
    rare = mess.homophone_typo(pd.Series(["张喆", "欧阳娜娜", "王"]), [True] * 3, np.random.default_rng(0))
    assert rare.iloc[0][0] == "张" and rare.iloc[0] != "张喆"
    assert rare.iloc[1].startswith("欧阳") and rare.iloc[1] != "欧阳娜娜"
    assert rare.iloc[2] == "王"


def test_mask_name() -> None:
    s = pd.Series(["张伟", "欧阳娜娜", "李秀英", None, "王芳"] * 400)
    m = np.ones(len(s), dtype=bool)
    m[4::5] = False
    sex = np.tile([1, 2, 2, 1, 2], 400)
    out = mess.mask_name(s, m, np.random.default_rng(12), sex=sex)
    assert_unmasked_unchanged(s, out, m)
    allowed = {
        0: {"张某", "张某某", "张先生", "张*", "匿名"},
        1: {"欧阳某", "欧阳某某", "欧阳女士", "欧阳**", "匿名"},
        2: {"李某", "李某某", "李女士", "李**", "匿名"},
    }
    for k, forms in allowed.items():
        got = set(out[k::5])
        assert got == forms, (k, got)
    assert out[3::5].isna().all()
    only = mess.mask_name(s, m, np.random.default_rng(12), styles={"title": 1.0})
    assert set(only[0::5]) <= {"张先生", "张女士"}
    assert set(only[0::5]) == {"张先生", "张女士"}  # no sex given: drawn


def test_middle_dot_variants() -> None:
    s = pd.Series(["买买提·艾力", "张伟"] * 200)
    out = mess.middle_dot_variants(s, np.ones(400, bool), np.random.default_rng(13))
    assert (out[1::2] == "张伟").all()
    assert set(out[0::2]) == {"买买提•艾力", "买买提．艾力", "买买提.艾力", "买买提・艾力", "买买提艾力", "买买提 艾力"}


# --------------------------------------------------------------------- phones


def test_phone_format() -> None:
    rng = np.random.default_rng(14)
    n = 4000
    phones = mobiles(rng, n)
    phones.iloc[::4] = "0575-" + phones.iloc[::4].str[3:11]  # landlines
    phones.iloc[1::40] = "010" + phones.iloc[1::40].str[3:11]
    phones.iloc[2::50] = None
    m = mask_of(rng, n, 0.7)
    out = mess.phone_format(phones, m, rng)
    assert_unmasked_unchanged(phones, out, m)
    norm = out.map(lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v)
    digits = norm.str.replace(r"\D", "", regex=True)
    clean = phones.str.replace(r"\D", "", regex=True)
    is_mobile = clean.str.fullmatch(r"1\d{10}").fillna(False).to_numpy()
    hit = m & is_mobile
    assert (out[hit] != phones[hit]).all()
    assert (digits[hit].str[-11:] == clean[hit]).all()
    assert digits[hit].str.fullmatch(r"(0086|86)?1\d{10}").all()
    forms = out[hit]
    for pattern in [
        r"\+86 1\d{10}",
        r"\+86-1\d\d-\d{4}-\d{4}",
        r"0086 1\d{10}",
        r"86-1\d{10}",
        r"1\d\d \d{4} \d{4}",
        r"１[０-９]{10}",
    ]:
        assert forms.str.fullmatch(pattern).any(), pattern
    land = m & ~is_mobile & phones.notna().to_numpy()
    assert (digits[land].str[-8:] == clean[land].str[-8:]).all()
    lforms = norm[land]
    for pattern in [r"\(0575\)\d{8}", r"0575 \d{8}", r"\d{8}", r"\+86 575 \d{8}", r"\(010\)\d{8}"]:
        assert lforms.str.fullmatch(pattern).any(), pattern
    same = mess.phone_format(phones, m, np.random.default_rng(14))
    other = mess.phone_format(phones, m, np.random.default_rng(15))
    assert same.equals(mess.phone_format(phones, m, np.random.default_rng(14)))
    assert not same.equals(other)


# --------------------------------------------------------------------- addresses

PARTS = {
    "province": "浙江省",
    "city": "绍兴市",
    "district": "越城区",
    "street": "城南街道",
    "community": "翠湖社区",
    "road": "中兴南路",
    "road_number": 88,
    "compound": "阳光花园",
    "building": 3,
    "unit": 2,
    "room": "502",
}


def test_canonical_address_contains_every_part() -> None:
    parts = pd.DataFrame([PARTS])
    canonical = mess.render_address(parts).iloc[0]
    assert canonical == "浙江省绍兴市越城区城南街道翠湖社区中兴南路88号阳光花园3幢2单元502室"
    for col in mess.ADDRESS_PARTS:
        assert str(PARTS[col]) in canonical
    # missing parts are skipped, numbers never get a .0
    sparse = pd.DataFrame([{**PARTS, "unit": None, "compound": None}, PARTS])
    sparse["building"] = [3.0, 12.0]
    out = mess.render_address(sparse)
    assert out.iloc[0] == "浙江省绍兴市越城区城南街道翠湖社区中兴南路88号3幢502室"
    assert "12幢" in out.iloc[1]
    styled = mess.render_address(parts, mess.address_style(admin="district", building="cn号楼", unit="cn单元", room=""))
    assert styled.iloc[0] == "越城区城南街道翠湖社区中兴南路88号阳光花园三号楼二单元502"
    compact = mess.render_address(
        parts, mess.address_style(admin="none", community=False, locator="compound", compact=True)
    )
    assert compact.iloc[0] == "阳光花园3-2-502室"
    with pytest.raises(ValueError):
        mess.render_address(parts, mess.address_style(building="层"))


def test_address_variants() -> None:
    parts = pd.DataFrame([PARTS] * 500)
    out = mess.address_variants(parts, np.random.default_rng(16))
    canonical = mess.render_address(parts).iloc[0]
    assert out.nunique() > 100
    assert (out != canonical).mean() > 0.8
    assert (out.str.contains("阳光花园") | out.str.contains("中兴南路88号")).all()
    assert out.str.contains("502").all()
    for form in ["3幢", "3号楼", "3栋", "三幢", "3#", "二单元", "2-502", "3-2-502", " "]:
        assert out.str.contains(form, regex=False).any(), form
    assert out.str.startswith("浙江省绍兴市").any() and out.str.startswith("阳光花园").any()
    again = mess.address_variants(parts, np.random.default_rng(16))
    assert again.equals(out)
    only = mess.address_variants(
        parts, np.random.default_rng(16), {"admin": {"none": 1}, "space": 0.0, "compact": {True: 1}}
    )
    assert set(only) <= {
        "阳光花园3-2-502室",
        "阳光花园3-2-502",
        "阳光花园3-2-502号",
        "中兴南路88号阳光花园3-2-502室",
        "中兴南路88号阳光花园3-2-502",
        "中兴南路88号阳光花园3-2-502号",
        "中兴南路88号3-2-502室",
        "中兴南路88号3-2-502",
        "中兴南路88号3-2-502号",
        "翠湖社区阳光花园3-2-502室",
        "翠湖社区阳光花园3-2-502",
        "翠湖社区阳光花园3-2-502号",
        "翠湖社区中兴南路88号阳光花园3-2-502室",
        "翠湖社区中兴南路88号阳光花园3-2-502",
        "翠湖社区中兴南路88号阳光花园3-2-502号",
        "翠湖社区中兴南路88号3-2-502室",
        "翠湖社区中兴南路88号3-2-502",
        "翠湖社区中兴南路88号3-2-502号",
    }


def test_building_unit_room() -> None:
    parts = pd.DataFrame([PARTS] * 300)
    lh, dyh, sh = mess.building_unit_room(parts, np.random.default_rng(17))
    assert set(lh) >= {"3", "3幢", "3号楼", "3栋", "三幢"}
    assert set(dyh) >= {"2", "2单元", "二单元"}
    assert set(sh) >= {"502", "502室"}
    assert len(lh) == len(dyh) == len(sh) == 300


# --------------------------------------------------------------------- dates


def test_excel_serial_date() -> None:
    d = pd.Series(
        pd.to_datetime(
            ["2024-01-01", "1900-03-01", "1900-02-28", "1900-01-01", "1899-12-31", None, "2024-03-05 12:00"],
            format="mixed",
        )
    )
    out = mess.excel_serial_date(d, np.ones(7, bool))
    assert out.tolist()[:4] == ["45292", "61", "59", "1"]
    assert out.iloc[4] == "1899-12-31 00:00:00"  # not representable: rendered, not serial
    assert pd.isna(out.iloc[5])
    assert out.iloc[6] == "45356"
    timed = mess.excel_serial_date(d, np.ones(7, bool), keep_time=True)
    assert timed.iloc[6] == "45356.5"
    part = mess.excel_serial_date(d, np.array([1, 0, 0, 0, 0, 0, 0], bool), default_format="YYYY-MM-DD")
    assert part.tolist()[:3] == ["45292", "1900-03-01", "1900-02-28"]
    strings = pd.Series(["2024-01-01", "2024-01-02"])
    assert mess.excel_serial_date(strings, [False, True]).tolist() == ["2024-01-01", "45293"]


def test_date_formats_and_swap() -> None:
    d = pd.Series(pd.to_datetime(["2024-01-05"] * 400 + [None]))
    m = np.ones(401, bool)
    out = mess.date_formats(d, m, np.random.default_rng(18))
    assert set(out[:400]) == {"20240105", "2024-01-05", "2024/1/5", "2024年1月5日"}
    assert pd.isna(out.iloc[400])
    custom = mess.date_formats(d[:3], np.ones(3, bool), np.random.default_rng(0), {"YY.MM.DD": 1.0})
    assert custom.tolist() == ["24.01.05"] * 3
    strf = mess.date_formats(d[:2], np.ones(2, bool), np.random.default_rng(0), ["%d/%m/%Y"])
    assert strf.tolist() == ["05/01/2024"] * 2
    same = mess.date_formats(d, m, np.random.default_rng(18))
    assert same.equals(out)

    swap_in = pd.Series(
        pd.to_datetime(["2024-03-05", "2024-03-25", "2024-03-03", "2024-12-01 08:30", None], format="mixed")
    )
    swapped = mess.day_month_swap(swap_in, np.array([1, 1, 1, 1, 1], bool))
    assert swapped.tolist()[:4] == [
        pd.Timestamp("2024-05-03"),
        pd.Timestamp("2024-03-25"),
        pd.Timestamp("2024-03-03"),
        pd.Timestamp("2024-01-12 08:30"),
    ]
    assert pd.isna(swapped.iloc[4])
    kept = mess.day_month_swap(swap_in, np.zeros(5, bool))
    assert kept.equals(swap_in)


# --------------------------------------------------------------------- blanks, dtypes


def test_blank() -> None:
    s = pd.Series([f"v{i}" for i in range(1000)], dtype=object)
    m = mask_of(np.random.default_rng(19), 1000, 0.3)
    out = mess.blank(s, m, np.random.default_rng(20))
    assert_unmasked_unchanged(s, out, m)
    got = out[m]
    assert set(got.dropna()) == {"", "无", "不详"}
    assert got.isna().any()
    cyc = mess.blank(s, m)
    assert cyc[m].tolist()[:4] == ["", None, "无", "不详"]
    custom = mess.blank(s, m, np.random.default_rng(0), placeholders=["NULL", "/"])
    assert set(custom[m]) == {"NULL", "/"}


def test_inputs_and_dtypes_are_kept() -> None:
    values = ["13812345678", None, "13912345678"]
    as_obj = pd.Series(values, dtype=object, index=[10, 20, 30], name="phone")
    as_str = pd.Series(values, dtype="str", index=[10, 20, 30], name="phone")
    m = np.array([True, True, False])
    for s in (as_obj, as_str):
        out = mess.fullwidth(s, m)
        assert out.dtype == s.dtype and out.name == "phone"
        assert out.index.tolist() == [10, 20, 30]
        assert out.iloc[0] == "１３８１２３４５６７８" and pd.isna(out.iloc[1])
    from_list = mess.fullwidth(values, m)
    assert from_list.iloc[0] == "１３８１２３４５６７８"
    from_np = mess.lowercase_x(np.array(["1X", "2X"]), pd.Series([True, False]))
    assert from_np.tolist() == ["1x", "2X"]
    with pytest.raises(ValueError):
        mess.fullwidth(values, [True])
    empty = mess.phone_format(pd.Series([], dtype=object), np.zeros(0, bool), np.random.default_rng(0))
    assert len(empty) == 0


def test_million_rows_are_fast() -> None:
    """1e6 IDs and phones, every row messed: vectorised, so seconds not minutes."""
    rng = np.random.default_rng(21)
    n = 1_000_000
    ids = valid_ids(rng, n)
    phones = mobiles(rng, n)
    everything = np.ones(n, dtype=bool)
    timings = {}
    for label, call in {
        "wrong_check_character": lambda: mess.wrong_check_character(ids, everything, rng),
        "fullwidth": lambda: mess.fullwidth(ids, everything),
        "separators": lambda: mess.separators(ids, everything, rng),
        "phone_format": lambda: mess.phone_format(phones, everything, rng),
    }.items():
        start = time.perf_counter()
        out = call()
        timings[label] = time.perf_counter() - start
        assert len(out) == n
    print({k: round(v, 2) for k, v in timings.items()})
    assert re.fullmatch(r"\d{17}[\dX]", mess.wrong_check_character(ids[:1], [True], rng).iloc[0])


def test_event_text() -> None:
    cats = np.array(["占道经营", "噪音扰民", None] * 100, dtype=object)
    places = np.array(["中兴南路88号", None, "阳光花园3幢"] * 100, dtype=object)
    out = mess.event_text(cats, places, np.random.default_rng(22))
    assert len(out) == 300 and all(isinstance(v, str) and v for v in out)
    assert all("占道经营" in v for v in out[0::3])
    assert len(set(out[0::3])) > 5
    again = mess.event_text(cats, places, np.random.default_rng(22))
    assert out.tolist() == again.tolist()
