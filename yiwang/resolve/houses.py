"""Houses (一房一档): which house mentions are the same real house.

The house register (实有房屋, role `house`) is the list of houses. Its records are one house
when they share the standard address key (compound|building|unit|room after normalisation) in
one community (社区, from the grid code): from the record's own structured parts (小区, 楼栋,
单元, 室) where it has them, else from its address as typed. A key counts only when it reaches
the room: a key that stops at the building would merge every flat in it.

Every other record that names a house (a resident's current address, a party member's address,
a household contact's address) is linked to one register house, or to none:
1. `house_reference`: its own reference to a register house (the resident's 房屋编号), when the
   settings allow it and the reference names a register record;
2. `address_key` / `address_similar`: its address, parsed (yiwang.normalize.address), against the
   register houses with the same room and no conflicting building, unit, community (grid) or
   stated district, street or community name. A candidate must share an anchor with the address:
   the same road and door number (门牌), or a compound name at least `min_similarity` alike
   (containment, toneless pinyin, edit distance; settings/house.yml). A road number the register
   pairs with one compound (纬八路249号 → 星河城) is an anchor of that compound's houses, so an
   address that leaves the compound out still finds them. The best candidate wins only when the
   second best is at least `margin` worse: a guess between two houses is no link.
3. Records that link to no register house are one house when they share a key that reaches the
   room and name no different district (`address_key`); else `singleton`.
Golden records (`golden_houses`) exist for houses the register holds, attributes from the
register first (settings/survivorship.yml).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from yiwang.normalize.address import AddressParts, clean_address, parse_address
from yiwang.resolve.config import SETTINGS_DIR, read_settings
from yiwang.resolve.golden import survive
from yiwang.resolve.similarity import edit_similarity, toneless_pinyin
from yiwang.resolve.union_find import GuardedUnionFind

SETTINGS = SETTINGS_DIR / "house.yml"
REGISTER_ROLE = "house"
DESIGNATOR = re.compile(r"(号楼|號楼|号|號|栋|棟|幢|座|单元|單元|室|户|房|楼|#)$")
_NON_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]")
_SUB_AREA = re.compile(r"(\d+期|[东西南北中]区|[A-Z0-9一二三四五六七八九十]+区)$")
_DIVISIONS = ("district", "street", "community")


@dataclass(frozen=True)
class HouseSettings:
    use_house_reference: bool = True
    min_similarity: float = 0.75
    margin: float = 0.05
    alias_min_share: float = 0.8


@cache
def house_settings(path: Path = SETTINGS) -> HouseSettings:
    doc = read_settings(path)
    unknown = set(doc) - {f.name for f in fields(HouseSettings)}
    if unknown:
        raise ValueError(f"{path}: unknown settings {sorted(unknown)}")
    return HouseSettings(**doc)


@lru_cache(maxsize=100_000)
def _part(value: object) -> str | None:
    """A building, unit or room number without its designator or leading zeros: 三幢 → 3, 0602室 → 602."""
    text = clean_address(value) if isinstance(value, str) else None
    if not text:
        return None
    text = DESIGNATOR.sub("", text.replace(" ", ""))
    if not text:
        return None
    return text.lstrip("0") or "0"


@lru_cache(maxsize=100_000)
def compound_key(name: str | None) -> str | None:
    """A compound name for comparison: simplified, numerals in digits, punctuation (·, spaces)
    and a trailing 小区 dropped. 招商·家阳壹号小区 → 招商家阳1号."""
    text = clean_address(name) if isinstance(name, str) else None
    if not text:
        return None
    text = _NON_WORD.sub("", text)
    for suffix in ("住宅小区", "小区"):
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text or None


@lru_cache(maxsize=1_000_000)
def compound_similarity(a: str, b: str) -> float:
    """How alike two compound keys are, 0..1. Two different phases or parts (1期/2期, 东区/西区)
    are two compounds (0); one that names a phase the other leaves out is nearly the same (0.95);
    one name inside the other (北海家园 in 金地北海家园) or the same toneless pinyin is 0.9;
    otherwise the edit similarity."""
    if a == b:
        return 1.0
    sa, sb = _SUB_AREA.search(a), _SUB_AREA.search(b)
    if sa and sb and sa[1] != sb[1]:
        return 0.0
    base_a, base_b = a[: sa.start()] if sa else a, b[: sb.start()] if sb else b
    if base_a == base_b:
        return 0.95
    short, long = sorted((base_a, base_b), key=len)
    if len(short) >= 2 and short in long:
        return 0.9
    if toneless_pinyin(base_a) == toneless_pinyin(base_b):
        return 0.9
    return edit_similarity(base_a, base_b)


def anchor_similarity(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """The best agreement of two records' anchors: compounds (c:) by compound_similarity, road
    numbers (r:) and village numbers (v:) only when equal."""
    best = 0.0
    for x in left:
        for y in right:
            if x == y:
                return 1.0
            if x[0] == y[0] == "c":
                best = max(best, compound_similarity(x[2:], y[2:]))
    return best


def _road_anchor(parts: AddressParts) -> str | None:
    if parts.road and parts.number:
        return f"r:{_NON_WORD.sub('', parts.road)}|{parts.number}"
    return None


def _anchors(parts: AddressParts, compound: str | None) -> tuple[str, ...]:
    out = [f"c:{c}" for c in dict.fromkeys((compound, compound_key(parts.compound))) if c]
    if road := _road_anchor(parts):
        out.append(road)
    elif parts.road and not parts.compound and (parts.building or parts.room):
        out.append(f"c:{compound_key(parts.road)}")  # 苑颐里2幢: a lane name with buildings names the compound
    if parts.community and (parts.group or parts.number) and not parts.compound:
        out.append(f"v:{parts.community}|{parts.group or ''}|{parts.number or ''}")
    return tuple(out)


def _places(m: pd.DataFrame) -> pd.DataFrame:
    """Per mention: register or not, community code, stated divisions, building/unit/room, anchors
    and the standard address key."""
    parsed = {a: parse_address(a) for a in m.address.dropna().unique()}
    empty = AddressParts()
    register = (m.house_role == REGISTER_ROLE).tolist()
    structured = [m[c].tolist() if c in m else [None] * len(m) for c in ("compound_name", "building", "unit", "room")]
    rows = []
    for i, address in enumerate(m.address.tolist()):
        parts = parsed.get(address, empty) if isinstance(address, str) else empty
        compound = compound_key(structured[0][i])
        b, u, r = (_part(column[i]) for column in structured[1:])
        if not (compound and r):  # no usable structured parts: the address as typed
            compound = compound_key(parts.compound)
            b, u, r = _part(parts.building), _part(parts.unit), _part(parts.room)
        anchors = _anchors(parts, compound)
        first = anchors[0][2:] if anchors else None
        key = "|".join([first, b or "", u or "", r]) if first and r else None
        rows.append((register[i], parts.district, parts.street, parts.community, b, u, r, anchors, key))
    out = pd.DataFrame(
        rows,
        columns=["register", "district", "street", "community", "building", "unit", "room", "anchors", "key"],
        dtype=object,
    ).astype({"register": bool})
    grid = m.grid_code.tolist() if "grid_code" in m else [None] * len(m)
    out["community_code"] = pd.Series(
        [g[:-3] if isinstance(g, str) and len(g) > 3 else None for g in grid], index=out.index, dtype=object
    )
    return out


def _register_divisions(places: pd.DataFrame) -> pd.DataFrame:
    """The register's divisions per house: the names most register addresses of its community
    state (a record that leaves the district out still has one), else its own."""
    reg = places[places.register]
    out = reg[list(_DIVISIONS)].copy()
    coded = reg[reg.community_code.notna()]
    for level in _DIVISIONS:
        named = coded[coded[level].notna()]
        if named.empty:
            continue
        usual = named.groupby("community_code")[level].agg(lambda s: s.value_counts().index[0])
        out[level] = reg.community_code.map(usual).where(reg.community_code.notna(), reg[level]).fillna(reg[level])
    return out


def _road_aliases(places: pd.DataFrame, min_share: float) -> dict[tuple[str, str], str]:
    """(community code, road anchor) → compound anchor, where the register's addresses in that
    community that state the road number name one compound at least `min_share` of the time."""
    pairs: Counter[tuple[str, str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    reg = places[places.register & places.community_code.notna()]
    for code, anchors in zip(reg.community_code, reg.anchors, strict=True):
        roads = [a for a in anchors if a.startswith("r:")]
        compounds = [a for a in anchors if a.startswith("c:")]
        for road in roads:
            totals[code, road] += 1
            if compounds:
                pairs[code, road, compounds[0]] += 1
    return {
        (code, road): compound for (code, road, compound), n in pairs.items() if n >= min_share * totals[code, road]
    }


def _with_aliases(places: pd.DataFrame, aliases: dict[tuple[str, str], str]) -> pd.Series:
    """Register anchors plus the road numbers their compound goes by in their community."""
    by_compound: dict[tuple[str, str], list[str]] = {}
    for (code, road), compound in aliases.items():
        by_compound.setdefault((code, compound), []).append(road)
    out = places.anchors.copy()
    reg = places.register & places.community_code.notna()
    for i in places.index[reg]:
        code, anchors = places.community_code[i], places.anchors[i]
        extra = [r for a in anchors if a.startswith("c:") for r in by_compound.get((code, a), ()) if r not in anchors]
        if extra:
            out[i] = anchors + tuple(extra)
    return out


_LEVEL = re.compile(r"(特别行政区|自治区|自治州|自治县|居委会|村委会|街道|社区|省|市|区|县|镇|乡|村)$")


@lru_cache(maxsize=10_000)
def same_place(a: str, b: str) -> bool:
    """Two names of one division, as typed: equal, or equal without the level word (柯桥区/柯桥),
    or one the end of the other (绍兴诸暨市/诸暨市: a higher level glued on without its suffix)."""
    if a == b:
        return True
    a, b = _LEVEL.sub("", a) or a, _LEVEL.sub("", b) or b
    short, long = sorted((a, b), key=len)
    return long.endswith(short)


def _compatible(left: pd.DataFrame, right: pd.DataFrame) -> pd.Series:
    """Row by row: no part both sides state differs (divisions by same_place)."""
    ok = pd.Series(True, index=left.index)
    for c in left.columns:
        a, b = left[c].to_numpy(), right[c].to_numpy()
        known = ~(pd.isna(a) | pd.isna(b))
        agree = a == b
        if c in _DIVISIONS:
            unsure = known & ~agree
            agree[unsure] = [same_place(x, y) for x, y in zip(a[unsure], b[unsure], strict=True)]
        ok &= ~known | agree
    return ok


_COMPARED = ("building", "unit", "community_code", *_DIVISIONS)
COMMON_KEY_HOUSES = 50  # register houses above which one exact key needs the community as well


def _sides(places: pd.DataFrame, anchors: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register (with its community's divisions and road aliases) and the other mentions."""
    reg = places[places.register].drop(columns=list(_DIVISIONS))
    reg = reg.join(_register_divisions(places)).assign(anchors=anchors.loc[reg.index], register_row=reg.index)
    mention = places[~places.register & places.anchors.map(bool)]
    return reg, mention.assign(row=mention.index)


def _candidates(mention: pd.DataFrame, reg: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    pairs = mention.merge(reg, on=on, suffixes=("", "_r"))
    for c in on:
        if c in _COMPARED:
            pairs[f"{c}_r"] = pairs[c]
    keep = _compatible(pairs[list(_COMPARED)], pairs[[f"{c}_r" for c in _COMPARED]].set_axis(list(_COMPARED), axis=1))
    # a house without a room (a door number) matches only a house without building, unit or room
    shallow = pairs.room.isna() & (pairs.building.notna() | pairs.building_r.notna())
    return pairs[keep.to_numpy() & ~shallow.to_numpy()]


def _exact_links(reg: pd.DataFrame, mention: pd.DataFrame, register_cluster: pd.Series) -> pd.DataFrame:
    """(row, register_row, similarity=1) where an anchor, the building, unit and room are the same
    as one register house's, in a compatible place; `ambiguous` rows name several houses."""
    blank = {"building": "", "unit": "", "room": ""}
    key = ["anchor", "building", "unit", "room"]
    # the row numbers are columns (row, register_row): the exploded index is not needed
    left = mention.explode("anchors").fillna(blank).rename(columns={"anchors": "anchor"}).reset_index(drop=True)
    right = reg.explode("anchors").fillna(blank).rename(columns={"anchors": "anchor"}).reset_index(drop=True)
    # a key many register houses share (2组14号: every village has a 2组) names no house without
    # its community: there the community (code or name) must agree in the join itself, so the
    # pairs stay few at city scale (a plain join made 20 million of them at 1,000,000 people)
    shared = right.groupby(key).anchor.transform("size") > COMMON_KEY_HOUSES
    common = right[shared][key].drop_duplicates().assign(_common=True)
    left = left.merge(common, on=key, how="left")
    left_common = left._common.fillna(False).astype(bool).to_numpy()
    left = left.drop(columns="_common")
    blocked_left = left[left_common].assign(block=_place_block(left[left_common]))
    blocked_right = pd.concat(
        [
            right[shared].assign(block="code:" + right.community_code),
            right[shared].assign(block="name:" + right.community.map(_division_name)),
            right[shared].assign(block="street:" + right.street.map(_division_name)),
        ]
    ).dropna(subset=["block"])
    pairs = pd.concat(
        [
            _candidates(left[~left_common], right[~shared], key),
            _candidates(blocked_left.dropna(subset=["block"]), blocked_right, [*key, "block"]),
        ],
        ignore_index=True,
    )
    pairs = pairs.assign(cluster=pairs.register_row.map(register_cluster)).drop_duplicates(["row", "cluster"])
    houses = pairs.groupby("row").cluster.transform("size")
    links = pairs[houses == 1][["row", "register_row"]].assign(similarity=1.0)
    return links, set(pairs.row[houses > 1])


def _division_name(name: object) -> str | None:
    """A division's name without its level word (花乐社区 → 花乐), for blocking."""
    return (_LEVEL.sub("", name) or name) if isinstance(name, str) and name else None


def _place_block(mention: pd.DataFrame) -> pd.Series:
    """The block of each mention for alike-name matching: its community code, else its stated
    community's name, else its stated street's name (used only with a building: a street holds
    thousands of flats), else None (no alike-name match: only exact keys link it)."""
    code = mention.community_code.to_numpy(dtype=object)
    community = mention.community.map(_division_name).to_numpy(dtype=object)
    street = mention.street.map(_division_name).to_numpy(dtype=object)
    building = mention.building.notna().to_numpy()
    blocks = [
        f"code:{c}"
        if isinstance(c, str)
        else f"name:{n}"
        if isinstance(n, str)
        else f"street:{s}"
        if isinstance(s, str) and b
        else None
        for c, n, s, b in zip(code, community, street, building, strict=True)
    ]
    return pd.Series(blocks, index=mention.index, dtype=object)


def _similar_links(reg: pd.DataFrame, mention: pd.DataFrame, register_cluster: pd.Series, settings: HouseSettings):
    """(row, register_row, similarity) for mentions whose anchors are alike (not equal) to those of
    register houses with the same room and a compatible building, unit and place: the best house,
    when the next is at least `margin` behind."""
    mention, reg = mention.assign(room_key=mention.room.fillna("")), reg.assign(room_key=reg.room.fillna(""))
    # blocks: a mention meets only the register houses of its community (by the grid's community
    # code, else the community's name as typed); a city has thousands of flats numbered 101
    mention = mention.assign(block=_place_block(mention)).dropna(subset=["block"])
    reg = pd.concat(
        [
            reg.assign(block="code:" + reg.community_code),
            reg.assign(block="name:" + reg.community.map(_division_name)),
            reg.assign(block="street:" + reg.street.map(_division_name)),
        ]
    ).dropna(subset=["block"])
    has_b, reg_b = mention.building.notna(), reg.building.notna()
    pairs = pd.concat(
        [
            _candidates(mention[has_b], reg[reg_b], ["block", "room_key", "building"]),
            _candidates(mention[~has_b], reg, ["block", "room_key"]),
            _candidates(mention[has_b], reg[~reg_b], ["block", "room_key"]),
        ],
        ignore_index=True,
    ).drop_duplicates(["row", "register_row"])
    if pairs.empty:
        return pd.DataFrame(columns=["row", "register_row", "similarity"])
    similarity = [anchor_similarity(a, b) for a, b in zip(pairs.anchors, pairs.anchors_r, strict=True)]
    pairs = pairs.assign(similarity=similarity)
    pairs = pairs[pairs.similarity >= settings.min_similarity]
    # a part one side leaves out is a small doubt, so a candidate stating it too is preferred
    missing = (pairs.building.isna() | pairs.building_r.isna()).astype(int)
    missing += (pairs.unit.isna() | pairs.unit_r.isna()).astype(int)
    pairs = pairs.assign(score=pairs.similarity - 0.01 * missing, cluster=pairs.register_row.map(register_cluster))
    pairs = pairs.sort_values(["row", "score"], ascending=[True, False]).drop_duplicates(["row", "cluster"])
    first = pairs.drop_duplicates("row")
    second = pairs[~pairs.index.isin(first.index)].drop_duplicates("row").set_index("row").score
    runner_up = first.row.map(second)
    clear = runner_up.isna() | (first.score - runner_up >= settings.margin)
    return first[clear.to_numpy()][["row", "register_row", "similarity"]]


def cluster_houses(mentions: pd.DataFrame, settings: HouseSettings | None = None) -> pd.DataFrame:
    """(mention_id, cluster, match_method, standard_address_key) per house mention."""
    settings = settings or house_settings()
    m = mentions.reset_index(drop=True)
    places = _places(m)
    n = len(m)
    uf = GuardedUnionFind([None] * n)
    method = pd.Series("singleton", index=range(n), dtype=object)

    # 1. the register: records with one key in one community are one house
    reg = places[places.register & places.key.notna()]
    scoped = reg.community_code.fillna("") + "|" + reg.key
    merged = [g.to_numpy() for _, g in pd.Series(reg.index).groupby(scoped.to_numpy()) if len(g) > 1]
    uf.union_groups(merged)
    method[places.register] = "register"
    for g in merged:
        method[g] = "address_key"
    register_rows = places.index[places.register]
    register_cluster = pd.Series([uf.find(i) for i in register_rows], index=register_rows)

    # 2. other records: their own reference, else their address
    linked = pd.Series(False, index=range(n))
    if settings.use_house_reference and "house_reference" in m:
        row_of = pd.Series(places.index[places.register], index=m.source_key[places.register].to_numpy())
        row_of = row_of[~row_of.index.duplicated()]
        target = m.house_reference.where(~places.register).map(row_of)
        for i, r in target.dropna().items():
            uf.union(int(r), int(i))
            method[i], linked[i] = "house_reference", True
    reg, mention = _sides(places, _with_aliases(places, _road_aliases(places, settings.alias_min_share)))
    mention = mention[~linked[mention.index].to_numpy()]
    exact, ambiguous = _exact_links(reg, mention, register_cluster)
    rest = mention[~mention.row.isin(exact.row) & ~mention.row.isin(ambiguous)]
    similar = _similar_links(reg, rest, register_cluster, settings)
    for row, register_row, similarity in pd.concat([exact, similar]).itertuples(index=False):
        uf.union(int(register_row), int(row))
        method[row] = "address_key" if similarity >= 1.0 else "address_similar"
        linked[row] = True

    # 3. records that link to no register house: by their key, within a stated district (a key
    # with no district is ambiguous across a city: every village has a 4组1号)
    rest = places[~places.register & ~linked & places.key.notna() & places.district.notna()]
    scoped = rest.district + "|" + rest.key
    groups = [g.to_numpy() for _, g in pd.Series(rest.index).groupby(scoped.to_numpy()) if len(g) > 1]
    uf.union_groups(groups)
    for g in groups:
        method[g] = "address_key"

    return pd.DataFrame(
        {
            "mention_id": m.mention_id,
            "cluster": uf.roots(),
            "match_method": method.to_numpy(),
            "standard_address_key": places.key.to_numpy(),
        }
    )


def key_anchors(clusters: pd.DataFrame) -> pd.DataFrame:
    """The mentions whose keys a house's key follows across runs (keys.py): its register records,
    or all its mentions when the register has none. The addresses of residents move house with the
    people; a family that moves out must not take the house's key with it."""
    register = clusters.mention_id.str.endswith(f"/{REGISTER_ROLE}")
    registered = clusters.cluster.isin(clusters.cluster[register])
    return clusters[register | ~registered]


def address_columns(addresses: pd.Series) -> pd.DataFrame:
    """District, street and community names parsed from addresses as typed."""
    parsed = addresses.map(lambda a: parse_address(a) if isinstance(a, str) else parse_address(None))
    return pd.DataFrame(
        {
            "district_name": parsed.map(lambda p: p.district),
            "street_name": parsed.map(lambda p: p.street),
            "community_name": parsed.map(lambda p: p.community),
        },
        index=addresses.index,
    )


def standard_address(row: pd.Series) -> str | None:
    """标准地址: district, street, community, compound, building, unit and room, in that order."""
    parts = [row.get("district_name"), row.get("street_name"), row.get("community_name"), row.get("compound_name")]
    text = "".join(p for p in parts if isinstance(p, str) and p)
    b, u, r = (_part(row.get(c)) for c in ("building", "unit", "room"))
    text += (f"{b}幢" if b else "") + (f"{u}单元" if u else "") + (f"{r}室" if r else "")
    return text or (row.get("address") if isinstance(row.get("address"), str) else None)


def golden_houses(mentions: pd.DataFrame, clusters: pd.DataFrame, attributes: dict[str, list[str]]) -> pd.DataFrame:
    """One golden record per house the register holds: each attribute by survivorship, register
    records before other records of the same platform; places (district, street, community)
    parsed from the addresses, the grid platform's first. The standard address is written from
    the golden places and parts, and credited to the mention that gave the compound."""
    houses = mentions.merge(clusters[["mention_id", "house_key"]], on="mention_id")
    houses = houses[houses.house_key.isin(houses.house_key[houses.house_role == REGISTER_ROLE])].copy()
    houses["is_register"] = houses.house_role == REGISTER_ROLE
    houses = houses.join(address_columns(houses.address))
    houses["standard_address"] = houses.apply(standard_address, axis=1)
    golden = survive(houses, "house_key", attributes, valid="is_register")
    places = survive(
        houses, "house_key", {c: ["grid_platform"] for c in ("district_name", "street_name", "community_name")},
        valid="is_register",
    )  # fmt: skip
    golden = golden.merge(places[["house_key", "district_name", "street_name", "community_name"]], on="house_key")
    if {"compound_name", "room", "standard_address"} <= set(attributes) and len(golden):
        written = golden.apply(standard_address, axis=1)
        whole = golden.compound_name.notna() & golden.room.notna()
        golden["standard_address"] = written.where(whole, golden.standard_address)
        source = golden.compound_name_source_mention_id.where(whole, golden.standard_address_source_mention_id)
        golden["standard_address_source_mention_id"] = source
    return golden


def blocking_keys(mentions: pd.DataFrame, settings: HouseSettings | None = None) -> pd.DataFrame:
    """(mention_id, blocking_key): the values cluster_houses joins on — the register record's own
    key and the references to it, each anchor with building/unit/room (exact links), each place
    block with the room (alike-name links), and the address key within a community or district."""
    settings = settings or house_settings()
    m = mentions.reset_index(drop=True)
    places = _places(m)
    anchors = _with_aliases(places, _road_aliases(places, settings.alias_min_share))
    ids = m.mention_id.tolist()
    room = places.room.fillna("").tolist()
    parts = places[["building", "unit", "room"]].fillna("").agg("|".join, axis=1).tolist()
    rows: list[tuple[str, str]] = []
    register = places.register.tolist()
    source = m.source_key.tolist() if "source_key" in m else [None] * len(m)
    reference = m.house_reference.tolist() if "house_reference" in m else [None] * len(m)
    code, community, street = places.community_code.tolist(), places.community.tolist(), places.street.tolist()
    district, key = places.district.tolist(), places.key.tolist()
    for i, mention_id in enumerate(ids):
        own = source[i] if register[i] else reference[i]
        if isinstance(own, str) and own:
            rows.append((mention_id, f"ref:{own}"))
        rows += [(mention_id, f"a:{a}|{parts[i]}") for a in anchors.iloc[i] or ()]
        for block in (
            f"code:{code[i]}" if isinstance(code[i], str) else None,
            f"name:{_division_name(community[i])}" if isinstance(community[i], str) else None,
            f"street:{_division_name(street[i])}" if isinstance(street[i], str) else None,
        ):
            if block:
                rows.append((mention_id, f"p:{block}|{room[i]}"))
        if isinstance(key[i], str):
            rows.append((mention_id, f"r:{code[i] or ''}|{key[i]}"))
            if isinstance(district[i], str):
                rows.append((mention_id, f"d:{district[i]}|{key[i]}"))
    return pd.DataFrame(rows, columns=["mention_id", "blocking_key"]).drop_duplicates()
