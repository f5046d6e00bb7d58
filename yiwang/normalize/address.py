"""Chinese addresses into parts (地址解析), and one key per address (标准地址键).

`parse_address(text)` reads an address left to right into province, city, district, street,
community, group, road, number, compound, building, unit, floor and room by the suffix rules of
GB/T 2260 and house numbering (no gazetteer); what cannot be placed goes to `rest`, never
dropped. `standard_address_key(parts)` gives the variants of one address one key (compound |
building | unit | room, else road | number, else village | group | number). It never raises.
The rules and why: docs/normalize.md ("Address", "Design notes per module").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import pyarrow as pa

from yiwang.normalize._vector import ArrayLike, map_unique
from yiwang.normalize.names import to_simplified
from yiwang.normalize.numerals import replace_numerals_before
from yiwang.normalize.text import normalize_text

PROVINCES: dict[str, str] = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省",
    "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省", "福建": "福建省", "江西": "江西省",
    "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省",
    "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省",
    "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}  # fmt: skip
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})

COMPOUND_SUFFIXES = (
    "小区 花园 花苑 苑 公寓 家园 新村 大厦 广场 公馆 府 园 城 庭 院 湾 郡 邸 坊 阁 轩 居 山庄 "
    "庄园 别墅 中心 大楼 宿舍 新城 名都 华庭 国际 天地 社区"
).split()

_HAN = "\u4e00-\u9fff"
_NOT_ROAD_NEXT = r"(?![路街巷弄道]|大道|大街|中路|东路|西路|南路|北路|口|场|政|民|委|级|面)"
_CITY = re.compile(f"^([{_HAN}]{{2,10}}?)(自治州|地区|盟|市){_NOT_ROAD_NEXT}")
_DISTRICT = re.compile(f"^([{_HAN}]{{1,12}}?)(自治县|自治旗|林区|特区|新区|区|县|市|旗){_NOT_ROAD_NEXT}")
_NOT_DISTRICT_BEFORE = set("小社园景校厂街营矿院专片")
_HIGHER_SUFFIX = re.compile("[省区县]")
_DIVISION_WORD = re.compile(
    "(?:街道|镇|乡|社区|居委会|村委会|(?<![小社园景校厂街营矿院专片])区|县|市)(?![场政民委级面])"
)
_VILLAGE_NEXT = re.compile("村(?!委会)|屯|嘎查")
_STREET = re.compile(f"^([{_HAN}]{{2,10}}?)(街道办事处|街道办|街道|镇|乡|苏木){_NOT_ROAD_NEXT}")
_COMMUNITY = re.compile(
    f"^([{_HAN}]{{1,10}}?)(社区居民委员会|社区居委会|居民委员会|村民委员会|社区|居委会|村委会|嘎查|村){_NOT_ROAD_NEXT}"
)
_GROUP = re.compile(r"^第?(\d+)(?:村民小组|小组|组|队|社)")
_ROAD = re.compile(
    f"^([{_HAN}0-9A-Za-z]{{1,14}}?)(大道|大街|路|街|巷|弄|胡同|里(?=\\d))"
    r"(?![道区])"
)
# a door number, not a building: "4号楼" / "4号栋" after a road name the building
_NUMBER = re.compile(r"^(\d+(?:-\d+)?)(?:弄(\d+(?:-\d+)?))?[号號](?![楼樓栋幢座])")
_LANE_ONLY = re.compile(r"^(\d+)弄")

_NUMERAL_MARKERS = "号楼|号|號|栋|幢|座|单元|层|楼|室|户|组|弄|期"
_BRACKETS = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]")
_DROP = re.compile(r"[\s,，、;；:：。\"“”'‘’]+")

_T_BUC = re.compile(r"^(\d+)-(\d+)-(\d+)(?:室|号|户|房)?")
_T_BUILDING = re.compile(r"^([A-Z]?\d+[A-Z]?|[A-Z])(?:号楼|號楼|号栋|号幢|栋|幢|座|#[楼栋幢座]?|号(?=\d|[A-Z]))")
_T_UNIT = re.compile(r"^(\d+|[A-Z])(?:单元|單元)")
_T_PAIR = re.compile(r"^(\d+)-(\d+)(?:室|号|户|房)?")
_T_FLOOR = re.compile(r"^(-?\d+)(?:层|楼)(?!\d*单元)")
_T_ROOM = re.compile(r"^([A-Z]?\d+[A-Z]?)(?:室|户|房|号)?")


@dataclass(frozen=True, slots=True)
class AddressParts:
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    group: str | None = None
    road: str | None = None
    number: str | None = None
    compound: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None
    rest: str | None = None
    cleaned: str | None = None


def clean_address(value: Any) -> str | None:
    """Normalised text, simplified characters, counting numerals in Arabic digits."""
    text = normalize_text(value)
    if not text:
        return None
    text = to_simplified(text)
    text = re.sub(r"第(?=[0-9〇零一二两三四五六七八九十百]+(?:组|栋|幢|单元|层|期))", "", text)
    return replace_numerals_before(text, _NUMERAL_MARKERS)


def _parse_tail(tail: str) -> tuple[dict[str, str], int]:
    """Building/unit/floor/room from the start of `tail`; returns parts and chars used."""
    parts: dict[str, str] = {}
    pos = 0
    while pos < len(tail):
        rest = tail[pos:]
        if not parts and (m := _T_BUC.match(rest)):
            parts.update(building=m[1], unit=m[2], room=m[3])
        elif "building" not in parts and "unit" not in parts and (m := _T_BUILDING.match(rest)):
            parts["building"] = m[1]
        elif "unit" not in parts and "room" not in parts and (m := _T_UNIT.match(rest)):
            parts["unit"] = m[1]
        elif "room" not in parts and (m := _T_PAIR.match(rest)):
            if "building" in parts or "unit" in parts:
                if "unit" in parts:
                    break
                parts.update(unit=m[1], room=m[2])
            else:
                parts.update(building=m[1], room=m[2])
        elif "floor" not in parts and "room" not in parts and (m := _T_FLOOR.match(rest)):
            parts["floor"] = m[1]
        elif "room" not in parts and (m := _T_ROOM.match(rest)):
            parts["room"] = m[1]
        else:
            break
        pos += m.end()
    return parts, pos


def _find_tail(text: str) -> tuple[int, dict[str, str], int]:
    """Earliest start whose tail parse runs to the end, else the earliest partial one."""
    partial: tuple[int, dict[str, str], int] | None = None
    for start in range(len(text)):
        if start and text[start - 1].isdigit():
            continue
        if not (text[start].isdigit() or "A" <= text[start] <= "Z" or text[start] == "-"):
            continue
        parts, used = _parse_tail(text[start:])
        if not parts:
            continue
        if start + used == len(text):
            return start, parts, used
        if partial is None and any(k in parts for k in ("building", "unit")):
            partial = (start, parts, used)
    return partial or (len(text), {}, 0)


def _match_known(text: str, known: list[str]) -> str | None:
    for name in known:
        if text.startswith(name):
            return name
    return None


def _level_of(name: str) -> str | None:
    for suffix, level in (
        ("自治州", "city"), ("地区", "city"), ("盟", "city"),
        ("街道", "street"), ("镇", "street"), ("乡", "street"), ("苏木", "street"),
        ("社区", "community"), ("居委会", "community"), ("村委会", "community"),
        ("村", "community"), ("嘎查", "community"),
        ("自治县", "district"), ("区", "district"), ("县", "district"), ("旗", "district"),
        ("市", "city"),
    ):  # fmt: skip
        if name.endswith(suffix):
            return level
    return None


def parse_address(value: Any, *, known_divisions: Iterable[str] | None = None) -> AddressParts:
    """Split one address into parts. Never raises; unplaced text goes to `rest`.

    >>> p = parse_address("越城区锦麟花园三号楼二单元502")
    >>> (p.district, p.compound, p.building, p.unit, p.room)
    ('越城区', '锦麟花园', '3', '2', '502')
    """
    cleaned = clean_address(value)
    if not cleaned:
        return AddressParts()
    notes = [m.strip() for m in _BRACKETS.findall(cleaned) if m.strip()]
    text = _DROP.sub("", _BRACKETS.sub("", cleaned))
    known = sorted({k for k in (known_divisions or ()) if k}, key=len, reverse=True)
    found: dict[str, str] = {}

    # province
    for short, full in PROVINCES.items():
        if text.startswith(full):
            found["province"] = full
            text = text[len(full) :]
            break
        after = text[len(short) :]
        if text.startswith(short) and (_CITY.match(after) or _DISTRICT.match(after)):
            found["province"] = full
            text = text[len(short) :]
            break
    if found.get("province") in MUNICIPALITIES:
        found["city"] = found["province"]
        if text.startswith("市辖区"):
            text = text[3:]

    # city, district, street, community: by known names first, then by suffix
    order = ("city", "district", "street", "community")
    for level in order:
        if level in found:
            continue
        name = _match_known(text, known)
        if name and _level_of(name) in order[order.index(level) :]:
            found[_level_of(name) or level] = name
            text = text[len(name) :]
            if _level_of(name) != level:
                continue
            continue
        match = None
        if level == "city":
            match = _CITY.match(text)
            if match and match[2] == "市" and _STREET.match(text[match.end() :]):
                if not _DISTRICT.match(text[match.end() :]):
                    found["district"] = match[0]  # county-level city: 诸暨市店口镇
                    text = text[match.end() :]
                    continue
        elif level == "district":
            match = _DISTRICT.match(text)
            if match and match[2] == "区" and match[1][-1] in _NOT_DISTRICT_BEFORE:
                match = None
            if match and match[2] == "区" and _is_compound_area(match[1]):
                match = None  # 紫金苑东区: a part of a compound, not a district
            if match and _VILLAGE_NEXT.match(text[match.end() :]):
                match = None  # 红旗村, 新市屯: a village whose name ends like a district
        elif level == "street":
            match = _STREET.match(text)
            if match and _HIGHER_SUFFIX.search(match[1]):
                match = None
        elif level == "community":
            match = _COMMUNITY.match(text)
            if match and _HIGHER_SUFFIX.search(match[1]):
                match = None
            if match and match[0].endswith("新村") and not _GROUP.match(text[match.end() :]):
                match = None  # XX新村 followed by buildings is a compound
        if match:
            found[level] = match[0]
            text = text[match.end() :]

    if (m := _GROUP.match(text)) and "community" in found:
        found["group"] = m[1]
        text = text[m.end() :]
    if (m := _ROAD.match(text)) and not _find_tail_at_start(text):
        found["road"] = m[0]
        text = text[m.end() :]
        if n := _NUMBER.match(text):
            found["number"] = n[1] + (f"弄{n[2]}" if n[2] else "")
            text = text[n.end() :]
        elif n := _LANE_ONLY.match(text):
            found["number"] = n[1] + "弄"
            text = text[n.end() :]
    elif "community" in found or "group" in found:
        if (n := _NUMBER.match(text)) and n.end() == len(text):
            found["number"] = n[1]
            text = ""

    start, tail_parts, used = _find_tail(text)
    head, leftover = text[:start], text[start + used :]
    unplaced = ""
    if head and (words := list(_DIVISION_WORD.finditer(head))):
        cut = words[-1].end()  # division words the rules above could not place stay in rest
        if cut < len(head):
            unplaced, head = head[:cut], head[cut:]
    if tail_parts:
        if list(tail_parts) == ["room"] and not head and ("road" in found or "group" in found):
            leftover = text  # a bare number after a road is not a room
            tail_parts = {}
        elif head:
            found["compound"] = head
    elif head:
        if head.endswith(tuple(COMPOUND_SUFFIXES)):
            found["compound"] = head
        else:
            leftover = head + leftover
    found.update(tail_parts)
    rest = "".join([unplaced, leftover, *notes]) or None
    return AddressParts(**found, rest=rest, cleaned=cleaned)


def _is_compound_area(name: str) -> bool:
    """A part of a compound, not a district: a numbered or lettered part (翠苑一区, 3区, A区), or
    东区/西区/南区/北区/中区 of a name that ends the way compound names end (紫金苑东区). Short
    names with a direction (城东区, 市中区) are districts."""
    if name[-1] in "一二三四五六七八九十0123456789" or "A" <= name[-1] <= "Z":
        return True
    return len(name) >= 3 and name[-1] in "东西南北中" and name[:-1].endswith(tuple(COMPOUND_SUFFIXES))


def _find_tail_at_start(text: str) -> bool:
    parts, used = _parse_tail(text)
    return bool(parts) and used == len(text)


def _strip_zeros(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.lstrip("0")
    return stripped or "0"


def _compound_key(name: str) -> str:
    for suffix in ("小区", "住宅小区", "社区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def standard_address_key(parts: AddressParts, *, with_division: bool = False) -> str | None:
    """One canonical key for the variants of one address, or None when nothing anchors it.

    >>> standard_address_key(parse_address("锦麟花园3-2-502"))
    '锦麟花园|3|2|502'
    """
    if parts.compound:
        anchor = [_compound_key(parts.compound)]
    elif parts.road and parts.number:
        anchor = [parts.road, parts.number]
    elif parts.community and (parts.group or parts.number):
        anchor = [parts.community, parts.group or "", parts.number or ""]
    elif parts.road:
        anchor = [parts.road]
    else:
        return None
    if parts.compound or parts.building or parts.unit or parts.room:
        anchor += [
            _strip_zeros(parts.building) or "",
            _strip_zeros(parts.unit) or "",
            _strip_zeros(parts.room) or "",
        ]
    if with_division and parts.district:
        anchor.insert(0, parts.district)
    return "|".join(anchor)


def address_key(value: Any, *, known_divisions: Iterable[str] | None = None) -> str | None:
    """`standard_address_key(parse_address(value))`."""
    return standard_address_key(parse_address(value, known_divisions=known_divisions))


@dataclass(frozen=True, slots=True)
class _AddressRow(AddressParts):
    address_key: str | None = None


def parse_addresses(values: ArrayLike, *, known_divisions: Iterable[str] | None = None) -> pa.Table:
    """Vectorised `parse_address` plus an `address_key` column."""
    known = tuple(known_divisions or ())

    def one(value: Any) -> _AddressRow:
        parts = parse_address(value, known_divisions=known)
        values_ = {f.name: getattr(parts, f.name) for f in fields(AddressParts)}
        return _AddressRow(**values_, address_key=standard_address_key(parts))

    return map_unique(values, one, _AddressRow)
