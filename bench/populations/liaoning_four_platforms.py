"""A Chinese population nobody tuned the linker on: people of two Liaoning cities (盘锦, 阜新) as
four platforms record them, with the truth (`true_person`) beside every record.

Written apart from yiwang.simulate on purpose (its own name pools, divisions, address styles,
codings and mess), so that the linker's figures on it are not figures on the simulator's habits.

Platforms, each with its own column names and codings:
- hukou 户籍: 姓名, 公民身份号码, 性别 男/女, 出生日期 19850307, 联系电话, 住址 (full, with province);
- social 社保: xm, sfzh (old 15-digit numbers, lower-case x), xb 1/2, csrq 1985/3/7, lxdh
  (+86, full-width digits, landlines without separators), jzdz (district + 10-5-101 style);
- hotline 12345: caller (often masked 郭先生/郭女士), caller_tel (landlines typed every way, a
  family's shared number), incident_addr (with or without the district), no ID, no birth date;
- clinic 医保: name (traditional characters, stray spaces), id_no (one digit mistyped now and
  then), gender M/F, birthday 07/03/1985 (day first), tel, addr (city + numerals in Chinese).
Names have homophone typos, fields go missing, children give a parent's mobile.

`python -m bench.populations.liaoning_four_platforms --out DIR [--persons N] [--seed S]` writes
the four platform CSVs and `stacked.csv` (the four renamed to one set of columns, as a user
would before `yiwang link`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import opencc
import pandas as pd

SURNAMES = (
    "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 唐 韩 冯 于 董 萧 程 曹 袁 邓 "
    "许 傅 沈 曾 彭 吕 苏 卢 蒋 蔡 贾 丁 魏 薛 叶 阎 佟 关 金 白 姜 崔 谭 邹 孟 岳 鲍 隋 那 富 洪 郝 "
    "安 常 乔 艾"
).split()
GIVEN_MALE = (
    "勇 春 国 庆 宝 成 刚 义 福 贵 海 山 德 志 广 利 忠 胜 君 军 强 伟 明 杰 斌 涛 辉 峰 鹏 东 新 俊 浩 宇 铁 柱"
)
GIVEN_MALE = GIVEN_MALE.split()
GIVEN_FEMALE = "秀 兰 凤 玉 桂 芝 淑 珍 艳 丽 华 敏 静 红 霞 燕 娟 英 梅 琴 颖 晶 慧 雪 萍 丹 欣 佳 莹 月".split()
HOMOPHONES = [
    set(g)
    for g in (
        "伟玮炜",
        "丽莉俐",
        "华桦骅",
        "明铭鸣",
        "军君钧",
        "静婧靖",
        "杰洁",
        "斌彬",
        "涛韬",
        "辉晖",
        "峰锋枫",
        "红虹鸿",
        "娟鹃",
        "霞侠",
        "燕艳雁",
        "英瑛莺",
        "梅玫",
        "春纯",
        "国帼",
        "庆青",
        "凤峰",
        "玉钰",
        "兰岚",
        "芝枝",
        "珍贞",
        "颖莹",
        "敏珉",
    )
]

# two cities of 辽宁, their districts with GB/T 2260 codes; neither is the simulator's city
CITIES = {
    "盘锦市": ("0427", {"双台子区": "211102", "兴隆台区": "211103", "大洼区": "211104", "盘山县": "211122"}),
    "阜新市": ("0418", {"海州区": "210902", "细河区": "210911", "太平区": "210904", "彰武县": "210922"}),
}
COMPOUNDS = (
    "辽河 湿地 鹤乡 石油 兴隆 惠宾 渤海 红海 锦绣 幸福 和平 胜利 阳光 金色 万象 泰山 北湖 西山 玉龙 新华 "
    "民主 光明 振兴 滨河 祥和 长青"
).split()
COMPOUND_SUFFIXES = ("小区", "花园", "家园", "新城", "苑", "公寓")
VILLAGES = "前进 红旗 东风 三合 新立 王家 高家 大房 小台 二道".split()
ROADS = "中华 人民 解放 迎宾 建设 工农 车站 石油 兴工 平安".split()

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _check_digit(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


@dataclass
class Person:
    pid: int
    name: str
    surname: str
    sex: str  # "1" male, "2" female
    birth: dt.date
    id18: str
    mobile: str | None
    home: dict  # city, district, place parts, landline


def _given(rng: random.Random, sex: str) -> str:
    pool = GIVEN_MALE if sex == "1" else GIVEN_FEMALE
    return "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2, 2))))


def _homes(rng: random.Random, count: int) -> list[dict]:
    homes, used = [], set()
    while len(homes) < count:
        city = rng.choice(list(CITIES))
        area, districts = CITIES[city]
        district = rng.choice(list(districts))
        if rng.random() < 0.8:
            place = {"compound": rng.choice(COMPOUNDS) + rng.choice(COMPOUND_SUFFIXES),
                     "building": rng.randint(1, 24), "unit": rng.randint(1, 6),
                     "room": rng.randint(1, 18) * 100 + rng.randint(1, 4)}  # fmt: skip
        else:
            place = {"village": rng.choice(VILLAGES) + "村", "group": rng.randint(1, 9), "number": rng.randint(1, 120)}
        key = (district, tuple(place.values()))
        if key in used:
            continue
        used.add(key)
        landline = f"{area}-{rng.randint(2, 8)}{rng.randint(0, 999999):06d}" if rng.random() < 0.35 else None
        homes.append({"city": city, "area": area, "district": district, "code": districts[district],
                      "landline": landline, **place})  # fmt: skip
    return homes


def make_people(persons: int, rng: random.Random) -> list[Person]:
    people: list[Person] = []
    homes = _homes(rng, persons)  # more homes than households: only some are used
    sequence: dict[tuple[str, dt.date], int] = {}
    h = 0
    while len(people) < persons:
        home, h = homes[h], h + 1
        surname = rng.choices(SURNAMES, weights=[1 / (i + 4) for i in range(len(SURNAMES))])[0]
        size = min(rng.choices((1, 2, 3, 4), weights=(30, 30, 25, 15))[0], persons - len(people))
        parent_mobile = None
        for member in range(size):
            sex = rng.choice("12")
            child = member >= 2
            year = rng.randint(2008, 2020) if child else rng.randint(1940, 1995)
            birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            family_name = surname if member != 1 else rng.choice(SURNAMES)  # a spouse keeps her own
            key = (home["code"], birth)
            seq = sequence.get(key, rng.randint(1, 40) * 2) + 2
            sequence[key] = seq
            seq += 1 if sex == "1" else 0  # odd for men, even for women
            first17 = f"{home['code']}{birth:%Y%m%d}{seq % 1000:03d}"
            mobile = None if child else f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}"
            parent_mobile = parent_mobile or mobile
            name = family_name + _given(rng, sex)
            phone = mobile if not child else parent_mobile  # a child gives a parent's mobile
            people.append(
                Person(len(people) + 1, name, family_name, sex, birth, first17 + _check_digit(first17), phone, home)
            )
    return people


_T = opencc.OpenCC("s2t")
_CN = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else _CN[tens] + "十") + (_CN[ones] if ones else "")


def _typo(name: str, rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(name) if i and any(ch in g for g in HOMOPHONES)]
    if not positions:
        return name
    i = rng.choice(positions)
    group = next(g for g in HOMOPHONES if name[i] in g)
    return name[:i] + rng.choice(sorted(group - {name[i]})) + name[i + 1 :]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _phone(p: Person, rng: random.Random, style: str) -> str | None:
    number = p.home["landline"] if p.home["landline"] and (p.mobile is None or rng.random() < 0.4) else p.mobile
    if number is None or rng.random() < 0.07:
        return None
    if "-" not in number:  # mobile
        if style == "social" and rng.random() < 0.3:
            return rng.choice((f"+86 {number[:3]} {number[3:7]} {number[7:]}", _fullwidth(number), f"86-{number}"))
        return number
    area, local = number.split("-")
    forms = [number, area + local, f"{area} {local}", f"({area}){local}", f"+86 {area[1:]} {local}",
             _fullwidth(number), f"{area}-{local[:3]}-{local[3:]}"]  # fmt: skip
    if style == "hotline":
        forms.append(local)  # a caller gives the local number only
    return rng.choice(forms) if style != "hukou" else number


def _address(p: Person, rng: random.Random, style: str) -> str | None:
    if rng.random() < 0.06:
        return None
    h = p.home
    province, city, district = "辽宁省", h["city"], h["district"]
    if "compound" in h:
        b, u, r = h["building"], h["unit"], h["room"]
        place = rng.choice((
            f"{h['compound']}{b}号楼{u}单元{r}室", f"{h['compound']}{b}-{u}-{r}", f"{h['compound']}{b}栋{u}单元{r}",
            f"{h['compound']}{_cn_number(b)}号楼{_cn_number(u)}单元{r}室", f"{h['compound']}{b}#{u}单元{r}",
        ))  # fmt: skip
    else:
        place = rng.choice(
            (f"{h['village']}{h['group']}组{h['number']}号", f"{h['village']}{_cn_number(h['group'])}组{h['number']}号")
        )
    if style == "hukou":
        return province + city + district + place
    if style == "social":
        return district + place
    if style == "clinic":
        return city + district + place if rng.random() < 0.7 else province + city + place
    return district + place if rng.random() < 0.5 else place  # hotline: the caller says what they say


def _name(p: Person, rng: random.Random, style: str) -> str | None:
    name = p.name
    if rng.random() < 0.05:
        name = _typo(name, rng)
    if style == "hotline" and rng.random() < 0.3:
        return p.surname + ("先生" if p.sex == "1" else "女士")
    if style == "clinic":
        if rng.random() < 0.15:
            name = _T.convert(name)
        if rng.random() < 0.1:
            name = " ".join(name)
    return name


def _id_number(p: Person, rng: random.Random, style: str) -> str | None:
    if rng.random() < 0.05:
        return None
    number = p.id18
    if style == "social" and p.birth.year < 1970 and rng.random() < 0.4:
        return number[:6] + number[8:17]  # an old 15-digit number
    if style == "clinic" and rng.random() < 0.03:
        i = rng.randint(6, 16)
        number = number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1 :]
    return number.lower() if style == "social" else number


def _birth(p: Person, rng: random.Random, style: str) -> str | None:
    if rng.random() < 0.04:
        return None
    b = p.birth
    if style == "hukou":
        return f"{b:%Y%m%d}"
    if style == "social":
        return f"{b.year}/{b.month}/{b.day}"
    if rng.random() < 0.05 and b.day <= 12:  # the clinic's clerk wrote month first
        return f"{b:%m/%d/%Y}"
    return f"{b:%d/%m/%Y}" if rng.random() < 0.6 else f"{b.year}年{b.month}月{b.day}日"


def _sex(p: Person, rng: random.Random, codes: tuple[str, str]) -> str | None:
    return None if rng.random() < 0.05 else codes[int(p.sex) - 1]


PLATFORMS = {
    # platform: share of people on it, its columns (name, id, sex, birth, phone, address), sex codes
    "hukou": (0.50, ("姓名", "公民身份号码", "性别", "出生日期", "联系电话", "住址"), ("男", "女")),
    "social": (0.40, ("xm", "sfzh", "xb", "csrq", "lxdh", "jzdz"), ("1", "2")),
    "hotline": (0.30, ("caller", None, "caller_sex", None, "caller_tel", "incident_addr"), ("M", "F")),
    "clinic": (0.35, ("name", "id_no", "gender", "birthday", "tel", "addr"), ("M", "F")),
}
STACKED = ("name", "id_number", "sex", "birth_date", "phone", "address")


def make_platforms(persons: int = 5000, seed: int = 20261202) -> dict[str, pd.DataFrame]:
    """The four platform tables; each has `record_id` and `true_person` besides its own columns."""
    rng = random.Random(seed)
    people = make_people(persons, rng)
    chosen = {}
    for p in people:
        drawn = [k for k, (share, _, _) in PLATFORMS.items() if rng.random() < share]
        chosen[p.pid] = [k for k in drawn if k != "hotline" or p.birth.year <= 2006] or ["hukou"]  # adults call
    tables = {}
    for platform, (_, columns, codes) in PLATFORMS.items():
        rows = []
        for p in people:
            for _ in range(1 + (platform == "hotline" and rng.random() < 0.2) if platform in chosen[p.pid] else 0):
                values = (_name(p, rng, platform), _id_number(p, rng, platform), _sex(p, rng, codes),
                          _birth(p, rng, platform), _phone(p, rng, platform), _address(p, rng, platform))  # fmt: skip
                row = {c: v for c, v in zip(columns, values, strict=True) if c is not None}
                rows.append({"record_id": f"{platform}-{len(rows) + 1:05d}", **row, "true_person": p.pid})
        tables[platform] = pd.DataFrame(rows).sample(frac=1, random_state=seed)  # no order to lean on
    return tables


def stacked(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The four platforms in one table with shared column names; values as each platform wrote them."""
    frames = []
    for platform, (_, columns, _) in PLATFORMS.items():
        rename = {c: s for c, s in zip(columns, STACKED, strict=True) if c is not None}
        frames.append(tables[platform].rename(columns=rename))
    out = pd.concat(frames, ignore_index=True)
    return out[["record_id", *STACKED, "true_person"]].astype({c: "string" for c in STACKED})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tables = make_platforms(args.persons, args.seed)
    for platform, table in tables.items():
        table.to_csv(args.out / f"{platform}.csv", index=False, encoding="utf-8-sig")
    all_records = stacked(tables)
    all_records.to_csv(args.out / "stacked.csv", index=False, encoding="utf-8-sig")
    true_pairs = int((all_records.true_person.value_counts().map(lambda n: n * (n - 1) // 2)).sum())
    print(f"{args.persons:,} people, {len(all_records):,} records, {true_pairs:,} true pairs → {args.out}")


if __name__ == "__main__":
    main()
