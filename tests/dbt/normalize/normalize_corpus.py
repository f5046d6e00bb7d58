"""The messy values the SQL normalisers are checked on, and what Python says about each.

`messy_values()` draws clean identifiers, phones and names with the simulator, passes random
subsets through the simulator's mess functions (full-width, lower-case x, 15 digits, wrong
check character, spreadsheet damage, separators, typos, phone formats, traditional characters,
masks, middle-dot variants), and adds `EDGE_CASES`: hand-written values unlike anything a
generator makes. Every macro is applied to every value, so the ID macros also see phones and
names and the other way round.

`python_expectations(values)` is the answer each macro must give, computed with
yiwang.normalize, with the documented differences made explicit (see docs/normalize.md,
"In SQL (dbt macros)").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd

from yiwang.normalize import (
    credit_code,
    decode_sex,
    local_to_utc,
    names,
    parse_credit_code,
    parse_id_number,
    parse_person_name,
    parse_phone,
)
from yiwang.normalize.text import normalize_code_text
from yiwang.simulate import identifiers, mess
from yiwang.simulate import names as name_gen

SEED = 20240604

# Hand-written values: shapes the generators do not make.
EDGE_CASES: list[str | None] = [
    # ID numbers: full-width, lower x, 15 digits, wrong check, Excel, labels, junk
    "３３０６０２１９９００１０１１２３１",
    "３３０６０２９００１０１１２３",
    " 33060219900101123x ",
    "33060219900101123X",
    "330602199001011231",
    "330602199001011232",
    "330602900101123",
    "330602-19900101-1231",
    "330602 19900101 1231",
    "330602_19900101_1231",
    "'330602199001011231",
    '="330602199001011231"',
    "身份证号：330602199001011231",
    "330602199001011231（已核实）",
    "ID 330602199001011231",
    "330602199001011231 330602199001011231",
    "3.30602E+17",
    "3.30602199001011E+17",
    "3.30602199001011231E+17",
    "3.30602900101123e+14",
    "3.3060290010112E+14",
    "33.0602900101123E+13",
    "-3.30602900101123E+14",
    "3.30602900101123E+99999",
    "330602199001011000",
    "330602199001011231.0",
    "330602900101123.0",
    "330602199002301234",
    "330602202901011234",
    "990602199001011234",
    "810000199001011234",
    "110101200002290011",
    "110101190002290011",
    "11010118790101001X",
    "３３０６０２１９９００１０１１２３Ｘ",
    "33060219900101123",
    "3306021990010112312",
    "\u200b330602199001011231\ufeff",
    "330602\u00a019900101\u30001231",
    "330602—19900101—1231",
    # credit codes
    "91330602MA2BXXXX0X",
    "9133 0602 MA2B XXXX 0X",
    "91110000600037341L",
    "91110000600037341l",
    "9111OOOO6OOO37341L",
    "9111-0000-6000-3734-1L",
    "９１１１００００６０００３７３４１Ｌ",
    "91110000600037341M",
    "330602000012345",
    "60003734-1",
    "N2330602MA0000000X",
    "A1100000MA0000000X",
    "Z1330602MA0000000X",
    "91330602/MA2BXXXX0X",
    # phones
    "+86 138-1234-5678",
    "+8613812345678",
    "0086 13812345678",
    "86-13812345678",
    "8613812345678",
    "013812345678",
    "１３８１２３４５６７８",
    "138 1234 5678",
    "(0575)88123456",
    "（0575）88123456",
    "0575-88123456",
    "0575 8812 3456",
    "057588123456",
    "+86 575 8812 3456",
    "+86 (0)575 8812 3456",
    "010-62345678",
    "010-12345678",
    "021 6234 5678",
    "0575-8812-3456 转 801",
    "0575-88123456-801",
    "0575-88123456 ext. 12",
    "0575-88123456#3",
    "0575-88123456转",
    "88123456",
    "8812345",
    "12345",
    "110",
    "95588",
    "400-820-8820",
    "10086",
    "13812345678/13912345678",
    "13812345678，0575-88123456",
    "手机：13812345678",
    "电话 0575-88123456",
    "tel: 13812345678",
    "138****5678",
    "138xxxx5678",
    "+852 9123 4567",
    "+1 415 555 0100",
    "12812345678",
    "1381234567",
    "138123456789",
    "13812345678.0",
    "0111-88123456",
    "13812345678 或 13912345678",
    "没有电话",
    # person names
    "劉德華",
    "張偉",
    "张 伟",
    "张\u3000伟",
    " 张伟 ",
    "张三（户主）",
    "张三(已故)",
    "欧阳 娜娜",
    "欧阳娜娜",
    "阿依古丽 买买提",
    "阿依古丽·买买提",
    "买买提•艾力",
    "买买提．艾力",
    "买买提.艾力",
    "买买提・艾力",
    "·买买提",
    "张某",
    "张某某",
    "张先生",
    "张女士",
    "王总",
    "李师傅",
    "张*",
    "张**",
    "张×伟",
    "欧阳某",
    "太叔",
    "张",
    "匿名",
    "不详",
    "无",
    "NULL",
    "n/a",
    "测试",
    "来电市民",
    "ZHANG Wei",
    "zhang  wei",
    "Mary-Jane O'Brien",
    "xx",
    "X",
    "张3",
    "张伟2",
    "-·-",
    "···",
    "扎西多吉",
    "於梅",
    "乾隆",
    "著名",
    "嚴復",
    "鍾馗",
    "\u5f20\u0301伟",
    "\uf902伟",
    # sex
    "男",
    "女",
    " 男 ",
    "男性",
    "女士",
    "M",
    "F",
    "m",
    "Ｍ",
    "Male",
    "FEMALE",
    "1",
    "2",
    "0",
    "9",
    "1.0",
    "2.0",
    "未知",
    "保密",
    "x",
    "u",
    # empties and oddities
    "",
    " ",
    "\u3000",
    "-",
    "null",
    None,
    "'",
    '=""',
    "\t\n",
]

# strptime formats the timestamp parser is checked with, and texts to parse.
TIMESTAMP_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y%m%d", "%Y/%m/%d %H:%M", "%Y年%m月%d日"]
TIMESTAMP_EDGE_CASES: list[str | None] = [
    "2024-02-29 23:59:59",
    "2023-02-29 00:00:00",
    "2023-02-28 24:00:00",
    "2023-02-28 23:60:00",
    "2023-02-28 23:59:60",
    "2023-2-28 23:59:59",
    " 2023-02-28 23:59:59 ",
    "２０２３－０２－２８　２３：５９：５９",
    "2023-02-28T23:59:59",
    "2023-02-28 23:59",
    "0000-01-01 00:00:00",
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "1900-02-29 00:00:00",
    "2000-02-29 00:00:00",
    "2023-04-31 00:00:00",
    "2023-13-01 00:00:00",
    "20230228",
    "20230229",
    "2023022",
    "2023/02/28 08:30",
    "2023/02/28 8:30",
    "2023年02月28日",
    "2023年2月28日",
    "abc",
    "",
    None,
]


# --------------------------------------------------------------------------- values


def _apply(values: pd.Series, rng: np.random.Generator, share: float, func, *args, **kwargs) -> pd.Series:
    mask = rng.random(len(values)) < share
    return func(values, mask, *args, **kwargs)


def _id_numbers(rng: np.random.Generator, n: int) -> pd.Series:
    divisions = np.array(["330602", "330603", "330604", "330624", "110101", "440305", "650102", "540102", "810000"])
    address = divisions[rng.integers(0, len(divisions), n)]
    born = pd.Series(pd.to_datetime("1900-01-01") + pd.to_timedelta(rng.integers(0, 45_000, n), unit="D"))
    male = rng.random(n) < 0.5
    ids = pd.Series(identifiers.citizen_ids(address, born, male, rng), dtype=object)
    ids = _apply(ids, rng, 0.15, mess.id_to_15)
    ids = _apply(ids, rng, 0.15, mess.wrong_check_character, rng)
    ids = _apply(ids, rng, 0.10, mess.digit_typo, rng)
    ids = _apply(ids, rng, 0.12, mess.spreadsheet_mangle_id, rng)
    ids = _apply(ids, rng, 0.15, mess.separators, rng)
    ids = _apply(ids, rng, 0.10, mess.fullwidth)
    return _apply(ids, rng, 0.80, mess.lowercase_x)


def _credit_codes(rng: np.random.Generator, n: int) -> pd.Series:
    kinds = np.array(["91", "92", "93", "11", "12", "51", "52", "53", "N2", "N1", "Y1", "A1", "31"])
    divisions = np.array(["330602", "330603", "330600", "110000", "100000", "440305"])
    codes = identifiers.credit_codes(
        kinds[rng.integers(0, len(kinds), n)],
        divisions[rng.integers(0, len(divisions), n)],
        identifiers.organisation_codes(rng, n),
    )
    codes = pd.Series(codes, dtype=object)
    # a wrong check character, lower case, look-alike letters, then the generic mess
    wrong = rng.random(n) < 0.12
    alphabet = identifiers.USCC_ALPHABET
    codes[wrong] = [c[:17] + alphabet[(alphabet.index(c[17]) + 1) % len(alphabet)] for c in codes[wrong]]
    lower = rng.random(n) < 0.10
    codes[lower] = codes[lower].str.lower()
    confused = rng.random(n) < 0.12
    codes[confused] = [c.translate(str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S"})) for c in codes[confused]]
    codes = _apply(codes, rng, 0.15, mess.separators, rng)
    return _apply(codes, rng, 0.08, mess.fullwidth)


def _phones(rng: np.random.Generator, n: int) -> pd.Series:
    mobiles = identifiers.mobile_numbers(rng, n * 2 // 3)
    areas = ["0575", "010", "021", "0571", "0592"]
    landlines = np.concatenate(
        [identifiers.landline_numbers(rng, n // 15 + 1, area) for area in areas],
    )
    phones = pd.Series(np.concatenate([mobiles, landlines])[:n], dtype=object)
    phones = _apply(phones, rng, 0.08, mess.digit_typo, rng)
    phones = _apply(phones, rng, 0.70, mess.phone_format, rng)
    phones = _apply(phones, rng, 0.10, mess.separators, rng)
    return _apply(phones, rng, 0.05, mess.fullwidth)


def _names(rng: np.random.Generator, n: int) -> pd.Series:
    sexes = rng.integers(1, 3, n)
    ethnicity = name_gen.ethnicities(rng, n, han_share=0.7)
    people = pd.Series(name_gen.person_names(rng, sexes, rng.integers(1935, 2015, n), ethnicity), dtype=object)
    people = _apply(people, rng, 0.25, mess.traditional)
    people = _apply(people, rng, 0.05, mess.homophone_typo, rng)
    people = _apply(people, rng, 0.15, mess.mask_name, rng, sex=sexes)
    people = _apply(people, rng, 0.60, mess.middle_dot_variants, rng)
    return _apply(people, rng, 0.08, mess.separators, rng, styles={"space": 1.0, "dash": 0.0, "pad": 0.0})


# Pieces the random strings of `fuzz_values` are made of: the characters and words the
# normalisers react to. Characters whose NFKC form is not their width-folded form (①, ½) and
# non-ASCII digits are left out: those are documented differences, not bugs.
FUZZ_PIECES = (
    [*"0123456789"] * 6
    + [*"０１５９xXｘ.Ee+-— /,，、|:：()（）[]【】#*×?·•．'\"=\t\n"]
    + ["\u3000", "\u00a0", "\u200b", "\ufeff", "  ", "或", "转", "分机", "ext", "+86", "0086", "86", "0575", "010"]
    + ["138", "400", "95", "12345", "330602", "19900101", "1231", "E+17", "e+14", ".0", "000"]
    + [*"IOZSVANYMLTG", "91", "N2", "MA2B"]
    + [*"张張伟偉劉欧阳买提某", "欧阳", "买买提", "先生", "女士", "匿名", "不详", "null", "Zhang", "wei", "O'Brien"]
    + [*"男女mfF", "1.0", "male", "年", "月", "日", "乾", "隆", "\u00e9", "\u0301"]
)


def fuzz_values(n: int = 2000) -> list[str]:
    """Random strings of 1-8 pieces of FUZZ_PIECES (fixed seed)."""
    rng = np.random.default_rng(SEED + 3)
    pieces = np.array(FUZZ_PIECES, dtype=object)
    return ["".join(pieces[rng.integers(0, len(pieces), rng.integers(1, 9))]) for _ in range(n)]


def mutated_values(clean: list[str], n: int = 1500) -> list[str]:
    """Valid values with one or two random edits (a piece inserted, a character deleted or
    replaced by a piece): the near-misses around what the normalisers accept."""
    rng = np.random.default_rng(SEED + 4)
    out = []
    for _ in range(n):
        text = clean[rng.integers(0, len(clean))]
        for _ in range(rng.integers(1, 3)):
            at = int(rng.integers(0, len(text) + 1))
            piece = FUZZ_PIECES[rng.integers(0, len(FUZZ_PIECES))]
            edit = rng.integers(0, 3)
            if edit == 0:
                text = text[:at] + piece + text[at:]
            elif edit == 1:
                text = text[:at] + text[at + 1 :]
            else:
                text = text[:at] + piece + text[at + 1 :]
        out.append(text)
    return out


@cache
def messy_values() -> tuple[str | None, ...]:
    """A few thousand distinct messy values (and None), in a fixed order: edge cases, values
    from the simulator's mess functions, valid values with random edits, random strings."""
    rng = np.random.default_rng(SEED)
    generated = pd.concat(
        [_id_numbers(rng, 1200), _credit_codes(rng, 500), _phones(rng, 900), _names(rng, 1200)],
        ignore_index=True,
    )
    clean = [
        *identifiers.citizen_ids(
            np.array(["330602"] * 50),
            pd.Series(pd.date_range("1950-01-01", periods=50, freq="373D")),
            np.arange(50) % 2 == 0,
            rng,
        ),
        *identifiers.credit_codes(
            np.array(["91"] * 30), np.array(["330602"] * 30), identifiers.organisation_codes(rng, 30)
        ),
        *identifiers.mobile_numbers(rng, 30),
        *identifiers.landline_numbers(rng, 30, "0575"),
        *name_gen.person_names(rng, rng.integers(1, 3, 40), rng.integers(1950, 2000, 40)),
    ]
    values = [*EDGE_CASES, *generated.tolist(), *mutated_values(clean), *fuzz_values()]
    return tuple(v if isinstance(v, str) else None for v in dict.fromkeys(values))


def timestamp_texts() -> tuple[str | None, ...]:
    """Texts for yw_parse_local_timestamp: random valid ones in each format, and edge cases."""
    rng = np.random.default_rng(SEED + 1)
    moments = pd.Timestamp("1900-01-01") + pd.to_timedelta(rng.integers(0, 200 * 365 * 86400, 300), unit="s")
    texts = [m.strftime(fmt) for m, fmt in zip(moments, rng.choice(TIMESTAMP_FORMATS, 300), strict=True)]
    return tuple(dict.fromkeys([*TIMESTAMP_EDGE_CASES, *texts]))


def local_times() -> tuple[datetime.datetime, ...]:
    """Wall-clock times in Asia/Shanghai: every 30 minutes around each DST change (1940s,
    1986-1991) and random times 1901-2100."""
    out: list[datetime.datetime] = []
    for day in ["1940-06-01", "1940-10-12", "1986-05-04", "1986-09-14", "1987-04-12", "1987-09-13", "1991-04-14"]:
        start = datetime.datetime.fromisoformat(day) - datetime.timedelta(hours=2)
        out += [start + datetime.timedelta(minutes=30 * k) for k in range(12)]
    rng = np.random.default_rng(SEED + 2)
    start = datetime.datetime(1901, 1, 1)
    out += [start + datetime.timedelta(seconds=int(s)) for s in rng.integers(0, 200 * 365 * 86400, 400)]
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- expectations

_SEX = {"1": "male", "2": "female"}
SPREADSHEET = "<spreadsheet_mangled>"  # expectation: null or the 18 digits SQL read, never valid
_ID_SHAPE = re.compile("[0-9]{17}[0-9X]")
_CREDIT_SHAPE = re.compile(f"[{credit_code.ALPHABET}]{{18}}")


@cache
def _char_t2s_table() -> dict[int, str]:
    """OpenCC t2s applied to each character on its own (what SQL's translate() does)."""
    table: dict[int, str] = {}
    converter = names._t2s()
    for code in [*range(0x2E80, 0xA000), *range(0xF900, 0xFB00), *range(0x20000, 0x323B0)]:
        converted = converter.convert(chr(code))
        if converted != chr(code):
            table[code] = converted
    return table


def char_level_t2s(text: str) -> str:
    return text.translate(_char_t2s_table())


def person_name_with_character_t2s(value: str | None) -> str | None:
    """parse_person_name(value).name with OpenCC's character table only (no phrases)."""
    original = names.to_simplified
    names.to_simplified = char_level_t2s
    try:
        return parse_person_name(value).name
    finally:
        names.to_simplified = original


def id_number_expectations(value: str | None) -> dict[str, object]:
    r = parse_id_number(value)
    shaped = r.cleaned if r.cleaned and _ID_SHAPE.fullmatch(r.cleaned) else None
    return {
        # a number whose digits went through a spreadsheet is `cleaned = None` in Python; SQL does
        # not label spreadsheet damage and gives the digits it read (never valid) or null
        "id_number": SPREADSHEET if r.reason == "spreadsheet_mangled" else shaped,
        "id_is_valid": r.is_valid,
        "id_birth_date": r.birth_date,
        "id_division": r.division_code,
        "id_sex": _SEX.get(r.sex or ""),
    }


def credit_code_expectations(value: str | None) -> dict[str, object]:
    r = parse_credit_code(value)
    shaped = r.cleaned if r.cleaned and _CREDIT_SHAPE.fullmatch(r.cleaned) else None
    return {"credit_code": r.credit_code if r.is_valid else shaped, "credit_is_valid": r.is_valid}


def python_expectations(values: Iterable[str | None]) -> pd.DataFrame:
    """One row per value: what each macro must return (see the module docstring)."""
    rows = []
    for value in values:
        rows.append(
            {
                "value": value,
                **id_number_expectations(value),
                **credit_code_expectations(value),
                "phone": parse_phone(value).phone,
                "phone_0575": parse_phone(value, default_area_code="0575").phone,
                "person_name": person_name_with_character_t2s(value),
                "person_name_python": parse_person_name(value).name,
                "sex": _SEX.get(decode_sex(value).sex or ""),
            }
        )
    return pd.DataFrame(rows)


_FIELD_PATTERNS = {
    "Y": r"(000[1-9]|00[1-9]\d|0[1-9]\d{2}|[1-9]\d{3})",
    "m": r"(0[1-9]|1[0-2])",
    "d": r"(0[1-9]|[12]\d|3[01])",
    "H": r"([01]\d|2[0-3])",
    "M": r"([0-5]\d)",
    "S": r"([0-5]\d)",
}


def strict_strptime(value: str | None, fmt: str) -> datetime.datetime | None:
    """The reference for yw_parse_local_timestamp: identifier clean-up, every field with all its
    digits, then datetime.strptime (which checks the calendar)."""
    text = normalize_code_text(value)
    if text is None:
        return None
    pattern = "".join(
        _FIELD_PATTERNS[part[1]] if part.startswith("%") else re.escape(part)
        for part in re.findall(r"%[YmdHMS]|[^%]", fmt)
    )
    if not re.fullmatch(pattern, text):
        return None
    try:
        return datetime.datetime.strptime(text, fmt)
    except ValueError:
        return None


def utc_expectation(moment: datetime.datetime) -> datetime.datetime:
    return local_to_utc(moment)
