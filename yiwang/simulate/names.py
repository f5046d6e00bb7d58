"""Realistic Chinese names for the simulator: people, organisations, compounds, roads.

Everything is vectorised over numpy arrays (object dtype holding Python ``str``): the
vocabulary lives in ``yiwang/simulate/data/*.yaml`` (a few hundred entries, loaded once)
and each sampler draws indices with a ``numpy.random.Generator`` and concatenates
vocabulary arrays element-wise. The same generator state gives the same output.

Distributions are skewed on purpose (Zipf weights by rank) so that, in a city of a million
people, common full names such as 张伟 or 王秀英 recur many times: different people with the
same name are the hard negatives an entity-resolution pipeline must not merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "COMPOUND_SURNAMES",
    "ETHNICITIES",
    "ETHNICITY_SHARES",
    "GB18030_ONLY_CHARACTERS",
    "INDUSTRY_SECTIONS",
    "ORGANISATION_KINDS",
    "RARE_CHARACTERS",
    "RARE_GBK_CHARACTERS",
    "SURNAMES",
    "community_names",
    "company_names",
    "compound_names",
    "ethnicities",
    "given_names",
    "person_names",
    "road_names",
    "surnames",
]


# --------------------------------------------------------------------------- vocabulary


@cache
def _data(name: str) -> dict[str, Any]:
    text = (resources.files("yiwang.simulate") / "data" / name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _chars(text: str) -> list[str]:
    """Distinct characters of `text` in order of first appearance, whitespace dropped."""
    return list(dict.fromkeys(ch for ch in text if not ch.isspace()))


def _distinct(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _zipf(k: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1, dtype=float) ** exponent
    return weights / weights.sum()


def _normalise(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _obj(items: Sequence[str]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out


class _Vocab:
    """A vocabulary (object array) with sampling probabilities."""

    def __init__(self, items: Sequence[str], p: np.ndarray | None = None) -> None:
        self.items = _obj(items)
        self.p = _normalise(np.ones(len(items))) if p is None else _normalise(p)
        self._cdf = np.cumsum(self.p)
        self._cdf[-1] = 1.0

    @classmethod
    def zipf(cls, items: Sequence[str], exponent: float) -> _Vocab:
        return cls(items, _zipf(len(items), exponent))

    @classmethod
    def weighted(cls, table: dict[str, float]) -> _Vocab:
        return cls(list(table), np.array(list(table.values()), dtype=float))

    def indices(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.searchsorted(self._cdf, rng.random(n), side="right").clip(0, len(self.items) - 1)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.items[self.indices(rng, n)]


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of object arrays (and scalar strings)."""
    out = parts[0]
    for part in parts[1:]:
        out = np.add(out, part)
    if isinstance(out, str):
        raise ValueError("at least one part must be an array")
    return out


def _choose(rng: np.random.Generator, n: int, options: dict[str, float]) -> np.ndarray:
    """Index of the option drawn for each of n rows (options in dict order)."""
    return _Vocab(list(options), np.array(list(options.values()), dtype=float)).indices(rng, n)


def _draw_unique(
    rng: np.random.Generator, n: int, draw: Any, *, unique: bool, rounds: int = 40
) -> tuple[np.ndarray, ...]:
    """Call ``draw(rng, m) -> (names, *extra)`` and redraw duplicated names until unique.

    After `rounds` redraws, names still duplicated get a distinguishing numbered suffix
    (第二, 第三, ...) so the result is unique whenever `unique` is true.
    """
    result = [np.asarray(a, dtype=object) for a in draw(rng, n)]
    if not unique or n == 0:
        return tuple(result)
    for _ in range(rounds):
        dup = pd.Series(result[0]).duplicated().to_numpy()
        m = int(dup.sum())
        if m == 0:
            return tuple(result)
        fresh = draw(rng, m)
        for a, f in zip(result, fresh, strict=True):
            a[dup] = f
    dup = pd.Series(result[0]).duplicated().to_numpy()
    if dup.any():
        rank = pd.Series(result[0]).groupby(result[0]).cumcount().to_numpy()
        result[0][dup] = _cat(result[0][dup], "第", _obj([str(r + 1) for r in rank[dup]]))
    return tuple(result)


# --------------------------------------------------------------------------- surnames


@cache
def _surname_vocab() -> _Vocab:
    d = _data("names.yaml")
    top: dict[str, float] = d["surnames_top"]
    tail = [c for c in _chars(d["surnames_tail"]) if c not in top]
    tail_w = _zipf(len(tail), 0.7) * float(d["surnames_tail_share"])
    comp: dict[str, float] = d["compound_surnames"]
    comp_w = _normalise(list(comp.values())) * float(d["compound_share"])
    items = [*top, *tail, *comp]
    weights = np.concatenate([np.array(list(top.values()), dtype=float), tail_w, comp_w])
    return _Vocab(items, weights)


SURNAMES: tuple[str, ...] = tuple(s for s in _surname_vocab().items.tolist() if len(s) == 1)
"""Single-character surnames the sampler uses, most common first."""

COMPOUND_SURNAMES: tuple[str, ...] = tuple(_data("names.yaml")["compound_surnames"])
"""Two-character (compound) surnames the sampler uses: 欧阳, 上官, 司马, 诸葛, ..."""


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """n surnames drawn by approximate national frequency (王 李 张 刘 陈 first).

    About 86% come from the 100 most common surnames, ~14% from a long tail of ~300 less
    common ones and ~0.2% are compound (欧阳, 上官, 司马, 诸葛, ...). Object array of str.
    """
    return _surname_vocab().sample(rng, n)


# --------------------------------------------------------------------------- given names


class _Pools:
    def __init__(self, spec: dict[str, Any], exponent: float, broad: _Vocab, share: float):
        self.single = _Vocab.zipf(_chars(spec["single"]), exponent)
        self.first = _Vocab.zipf(_chars(spec["first"]), exponent)
        self.second = _Vocab.zipf(_chars(spec["second"]), exponent)
        self.popular = _Vocab.zipf(_distinct(spec["popular"]), exponent)
        self.broad = broad
        self.broad_share = share

    def chars(self, rng: np.random.Generator, vocab: _Vocab, n: int) -> np.ndarray:
        """n characters from `vocab`, a `broad_share` of them from the broad pool instead."""
        out = vocab.sample(rng, n)
        wide = rng.random(n) < self.broad_share
        out[wide] = self.broad.sample(rng, int(wide.sum()))
        return out


@cache
def _generations() -> tuple[np.ndarray, list[dict[str, Any]]]:
    d = _data("names.yaml")
    exponent = float(d["zipf"])
    share = float(d["broad_share"])
    broad = {}
    for s, key in ((1, "male"), (2, "female")):
        chars = _chars(d["broad_extra"][key])
        for g in d["generations"]:
            chars += _chars(g[key]["single"] + g[key]["first"] + g[key]["second"])
        broad[s] = _Vocab(_distinct(chars))
    gens = []
    for g in d["generations"]:
        gens.append(
            {
                "single_share": float(g["single_share"]),
                "popular_share": float(g["popular_share"]),
                1: _Pools(g["male"], exponent, broad[1], share),
                2: _Pools(g["female"], exponent, broad[2], share),
            }
        )
    untils = np.array([g["until"] for g in d["generations"]], dtype=np.int64)
    return untils, gens


@cache
def _rare() -> dict[str, Any]:
    d = _data("names.yaml")
    out: dict[str, Any] = {}
    for key in ("rare_gbk", "gb18030_only"):
        spec = d[key]
        out[key] = {
            "share": float(spec["share"]),
            1: _obj(_chars(spec["male"])),
            2: _obj(_chars(spec["female"])),
        }
    return out


RARE_GBK_CHARACTERS: tuple[str, ...] = tuple(
    _distinct(_chars(_data("names.yaml")["rare_gbk"]["male"]) + _chars(_data("names.yaml")["rare_gbk"]["female"]))
)
"""Rare name characters that are in GBK but not in GB2312 (喆 赟 堃 玥 ...)."""

GB18030_ONLY_CHARACTERS: tuple[str, ...] = tuple(
    _distinct(
        _chars(_data("names.yaml")["gb18030_only"]["male"]) + _chars(_data("names.yaml")["gb18030_only"]["female"])
    )
)
"""Name characters outside GBK, encodable only in GB18030 (䶮 U+4DAE, 㛃 U+36C3, 𠮷 U+20BB7)."""

RARE_CHARACTERS: dict[str, str] = {
    **{c: "gbk" for c in RARE_GBK_CHARACTERS},
    **{c: "gb18030" for c in GB18030_ONLY_CHARACTERS},
}
"""Every rare character the name sampler injects -> the smallest encoding holding it."""


def _sexes(rng: np.random.Generator, sex: Any, n: int) -> np.ndarray:
    s = pd.Series(np.asarray(sex, dtype=object))
    if len(s) != n:
        raise ValueError("sex must have the same length as birth_year")
    out = np.zeros(n, dtype=np.int8)
    male = s.isin([1, "1", "男", "M", "m"]).to_numpy()
    female = s.isin([2, "2", "女", "F", "f"]).to_numpy()
    out[male] = 1
    out[female] = 2
    unknown = out == 0
    if unknown.any():
        out[unknown] = rng.integers(1, 3, int(unknown.sum()))
    return out


def given_names(rng: np.random.Generator, sex: Any, birth_year: Any) -> np.ndarray:
    """Given names (1 or 2 characters) for people of the given sex (1 male, 2 female) and
    birth year; object array of str, same length as `sex` (1/2, 男/女 or M/F).

    Six birth generations (to 1949, 1950-64, 1965-79, 1980-94, 1995-2009, 2010-) each have
    their own single-character share (16%, 22%, 35%, 40%, 22%, 8%) and sex-specific pools:
    older 福 贵 建国 秀英 桂兰 ..., younger 子轩 梓涵 浩宇 欣怡 一诺 .... Two-character names
    are drawn whole from a list of popular names or composed from first- and second-position
    pools; all draws are Zipf-skewed so common names recur. About 0.3% of names carry a rare
    GBK character (`RARE_GBK_CHARACTERS`) and 0.01% a GB18030-only character
    (`GB18030_ONLY_CHARACTERS`), replacing their last character. Sex codes other than 1/2
    are treated as unknown and drawn at random.
    """
    years = np.asarray(birth_year)
    n = len(years)
    sexes = _sexes(rng, sex, n)
    untils, gens = _generations()
    years = pd.to_numeric(pd.Series(years), errors="coerce").fillna(1980).to_numpy(np.int64)
    gen = np.searchsorted(untils, years, side="left").clip(0, len(gens) - 1)
    out = np.empty(n, dtype=object)
    for g, spec in enumerate(gens):
        for s in (1, 2):
            idx = np.flatnonzero((gen == g) & (sexes == s))
            m = len(idx)
            if m == 0:
                continue
            pools: _Pools = spec[s]
            u = rng.random(m)
            single = u < spec["single_share"]
            popular = ~single & (rng.random(m) < spec["popular_share"])
            composed = ~single & ~popular
            names = np.empty(m, dtype=object)
            names[single] = pools.chars(rng, pools.single, int(single.sum()))
            names[popular] = pools.popular.sample(rng, int(popular.sum()))
            k = int(composed.sum())
            names[composed] = _cat(pools.chars(rng, pools.first, k), pools.chars(rng, pools.second, k))
            out[idx] = names
    # rare characters replace the last character of a few names
    rare = _rare()
    u = rng.random(n)
    lo = 0.0
    for key in ("rare_gbk", "gb18030_only"):
        hi = lo + rare[key]["share"]
        hit = np.flatnonzero((u >= lo) & (u < hi))
        lo = hi
        for s in (1, 2):
            idx = hit[sexes[hit] == s]
            if len(idx) == 0:
                continue
            pool = rare[key][s]
            chars = pool[rng.integers(0, len(pool), len(idx))]
            out[idx] = _cat(_obj([v[:-1] for v in out[idx]]), chars)
    return out


# --------------------------------------------------------------------------- ethnicity


ETHNICITIES: dict[str, str] = {code: spec[0] for code, spec in _data("names.yaml")["ethnicities"].items()}
"""GB/T 3304 ethnic-group codes -> names: "01" 汉族, "02" 蒙古族, "03" 回族, "05" 维吾尔族 ..."""

ETHNICITY_SHARES: dict[str, float] = {
    code: float(spec[1]) / 100.0 for code, spec in _data("names.yaml")["ethnicities"].items()
}
"""Approximate national share of each GB/T 3304 code (2020 census; 汉族 about 0.911)."""


def ethnicities(rng: np.random.Generator, n: int, han_share: float | None = None) -> np.ndarray:
    """n GB/T 3304 ethnicity codes ("01" .. "56", "97", "98") drawn by national shares.

    Han ("01") takes about 91%; pass `han_share` (e.g. 0.99 for an eastern city) to
    rescale: the minorities keep their relative shares. Object array of two-digit str.
    """
    codes = list(ETHNICITY_SHARES)
    w = np.array([ETHNICITY_SHARES[c] for c in codes], dtype=float)
    if han_share is not None:
        if not 0.0 <= han_share <= 1.0:
            raise ValueError("han_share must be within [0, 1]")
        others = w.copy()
        others[0] = 0.0
        w = others / others.sum() * (1.0 - han_share)
        w[0] = han_share
    return _Vocab(codes, w).sample(rng, n)


@cache
def _minority_styles() -> dict[str, Any]:
    d = _data("names.yaml")
    style_of = {code: style for style, codes in d["name_styles"].items() for code in codes}
    return {
        "style_of": style_of,
        "share": {k: float(v) for k, v in d["style_share"].items()},
        "dotted": {
            1: _Vocab.zipf(d["dotted_names"]["male"], 0.6),
            2: _Vocab.zipf(d["dotted_names"]["female"], 0.6),
        },
        "tibetan": {
            1: _Vocab.zipf(d["tibetan_parts"]["male"], 0.5),
            2: _Vocab.zipf(d["tibetan_parts"]["female"], 0.5),
        },
        "mongol": {
            1: _Vocab.zipf(d["mongol_names"]["male"], 0.5),
            2: _Vocab.zipf(d["mongol_names"]["female"], 0.5),
        },
    }


def person_names(rng: np.random.Generator, sex: Any, birth_year: Any, ethnicity: Any = None) -> np.ndarray:
    """Full names: surname + given name, or a minority-style name tied to the ethnicity code.

    Han and most minorities use Han-style names (`surnames` + `given_names`). Uyghur,
    Kazakh, Kyrgyz, Tajik, Uzbek, Tatar and Russian people (codes 05 17 29 41 43 50 44)
    mostly carry transliterated "own name·father's name" with a middle dot (买买提·艾力,
    阿依古丽·吐尔逊); Tibetans (04, also 54 55) two-part names without surname (扎西多吉,
    次仁卓玛); about 45% of Mongols (02) a transliterated name (巴特尔, 其其格). `ethnicity`
    is an array of GB/T 3304 codes (None: everyone Han-style). Object array of str.
    """
    years = np.asarray(birth_year)
    n = len(years)
    sexes = _sexes(rng, sex, n)
    out = _cat(surnames(rng, n), given_names(rng, sexes, years))
    if ethnicity is None:
        return out
    codes = pd.Series(np.asarray(ethnicity, dtype=object))
    if len(codes) != n:
        raise ValueError("ethnicity must have the same length as birth_year")
    st = _minority_styles()
    for style in ("dotted", "tibetan", "mongol"):
        members = [c for c, s in st["style_of"].items() if s == style]
        spellings = [*members, *(int(c) for c in members), *(str(int(c)) for c in members)]
        idx = np.flatnonzero(codes.isin(spellings).to_numpy())
        idx = idx[rng.random(len(idx)) < st["share"][style]]
        for s in (1, 2):
            sub = idx[sexes[idx] == s]
            m = len(sub)
            if m == 0:
                continue
            pool: _Vocab = st[style][s]
            if style == "dotted":
                father: _Vocab = st["dotted"][1]
                out[sub] = _cat(pool.sample(rng, m), "·", father.sample(rng, m))
            elif style == "tibetan":
                a = pool.indices(rng, m)
                b = (a + rng.integers(1, len(pool.items), m)) % len(pool.items)
                out[sub] = _cat(pool.items[a], pool.items[b])
            else:
                out[sub] = pool.sample(rng, m)
    return out


# --------------------------------------------------------------------------- organisations


INDUSTRY_SECTIONS: dict[str, str] = dict(_data("organisations.yaml")["sections"])
"""GB/T 4754 section letters -> names ("C" 制造业, "F" 批发和零售业, ...)."""

ORGANISATION_KINDS: tuple[str, ...] = tuple(_data("organisations.yaml")["kinds"])
"""Kinds `company_names(..., with_kinds=True)` returns: 企业, 个体工商户, 社会组织."""


@cache
def _org_vocab() -> dict[str, Any]:
    d = _data("organisations.yaml")
    places = _data("places.yaml")
    industries = d["industries"]
    shops = d["shops"]
    return {
        "trade_chars": _Vocab.zipf(_chars(d["trade_name_chars"]), 0.6),
        "popular": _Vocab.zipf(_distinct(d["popular_trade_names"]), 0.5),
        "industry": _Vocab(list(industries), np.array([v[1] for v in industries.values()])),
        "industry_section": _obj([INDUSTRY_SECTIONS[v[0]] for v in industries.values()]),
        "industry_is_c": np.array([v[0] == "C" for v in industries.values()]),
        "kinds": {k: float(v) for k, v in d["kinds"].items()},
        "forms": {k: float(v) for k, v in d["company_forms"].items()},
        "shop": _Vocab(list(shops), np.array([v[1] for v in shops.values()])),
        "shop_section": _obj([INDUSTRY_SECTIONS[v[0]] for v in shops.values()]),
        "assoc": _Vocab(_distinct(d["association_topics"])),
        "chamber": _Vocab(_distinct(d["chamber_origins"])),
        "promotion": _Vocab(_distinct(d["promotion_topics"])),
        "community_org": _Vocab(_distinct(d["community_org_topics"])),
        "private_unit": _Vocab(_distinct(d["private_units"])),
        "place_chars": _Vocab.zipf(_chars(places["place_chars"]), 0.5),
        "social_section": INDUSTRY_SECTIONS["S"],
    }


def _short_division(name: str) -> str:
    """越城区 -> 越城, 绍兴市 -> 绍兴, 新昌县 -> 新昌 (keeps two-character names whole)."""
    if len(name) > 2 and name[-1] in "省市区县旗":
        return name[:-1]
    return name


def _trade_names(rng: np.random.Generator, n: int) -> np.ndarray:
    v = _org_vocab()
    kind = _choose(rng, n, {"popular": 0.08, "two": 0.74, "three": 0.18})
    out = _cat(v["trade_chars"].sample(rng, n), v["trade_chars"].sample(rng, n))
    three = kind == 2
    out[three] = _cat(out[three], v["trade_chars"].sample(rng, int(three.sum())))
    pop = kind == 0
    out[pop] = v["popular"].sample(rng, int(pop.sum()))
    return out


def _pick_strs(rng: np.random.Generator, items: Sequence[str], n: int) -> np.ndarray:
    arr = _obj(list(items))
    return arr[rng.integers(0, len(arr), n)]


def _enterprises(
    rng: np.random.Generator, n: int, city: str, districts: Sequence[str], province: str | None
) -> tuple[np.ndarray, np.ndarray]:
    v = _org_vocab()
    city_short = _short_division(city)
    city_full = city_short + "市"
    dist = _pick_strs(rng, districts, n) if districts else np.full(n, "", dtype=object)
    prefix_opts = {
        "city": 0.45,
        "city_district": 0.15,
        "city_full": 0.10,
        "none": 0.10,
        "province": 0.20 if province else 0.0,
    }
    prefix_kind = _choose(rng, n, prefix_opts)
    prefix = np.full(n, "", dtype=object)
    prefix[prefix_kind == 0] = city_short
    sel = prefix_kind == 1
    prefix[sel] = _cat(np.full(int(sel.sum()), city_full, dtype=object), dist[sel])
    prefix[prefix_kind == 2] = city_full
    if province:
        prefix[prefix_kind == 4] = _short_division(province)
    trade = _trade_names(rng, n)
    ind = v["industry"].indices(rng, n)
    industry = v["industry"].items[ind]
    section = v["industry_section"][ind]
    forms = list(v["forms"])
    form = np.array(forms, dtype=object)[_choose(rng, n, v["forms"])]
    form[(form == "厂") & ~v["industry_is_c"][ind]] = "有限公司"
    names = _cat(prefix, trade, industry)
    plain = np.isin(form, ["有限公司", "有限责任公司", "股份有限公司"])
    names[plain] = _cat(names[plain], form[plain])
    sel = form == "分公司"
    branch_of = _obj([_short_division(d) for d in dist[sel]]) if districts else city_short
    names[sel] = _cat(names[sel], "有限公司", branch_of, "分公司")
    sel = form == "有限合伙"
    names[sel] = _cat(names[sel], "合伙企业（有限合伙）")
    sel = form == "厂"
    names[sel] = _cat(names[sel], "厂")
    sel = form == "bracket"
    names[sel] = _cat(trade[sel], industry[sel], f"（{city_short}）有限公司")
    return names, section


def _sole_traders(
    rng: np.random.Generator, n: int, city: str, districts: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    v = _org_vocab()
    city_full = _short_division(city) + "市"
    dist = _pick_strs(rng, districts, n) if districts else np.full(n, "", dtype=object)
    pk = _choose(rng, n, {"city_district": 0.35, "district": 0.25, "none": 0.40})
    prefix = np.full(n, "", dtype=object)
    sel = pk == 0
    prefix[sel] = _cat(np.full(int(sel.sum()), city_full, dtype=object), dist[sel])
    prefix[pk == 1] = dist[pk == 1]
    core_kind = _choose(rng, n, {"trade": 0.55, "lao": 0.20, "a": 0.10, "ji": 0.15})
    core = _cat(v["trade_chars"].sample(rng, n), v["trade_chars"].sample(rng, n))
    sel = core_kind == 1
    core[sel] = _cat("老", surnames(rng, int(sel.sum())))
    sel = core_kind == 2  # 阿英 style: 阿 + a female character of the 1965-79 generation
    core[sel] = _cat("阿", _generations()[1][2][2].single.sample(rng, int(sel.sum())))
    sel = core_kind == 3
    core[sel] = _cat(surnames(rng, int(sel.sum())), "记")
    shop = v["shop"].indices(rng, n)
    return _cat(prefix, core, v["shop"].items[shop]), v["shop_section"][shop]


def _social_orgs(
    rng: np.random.Generator, n: int, city: str, districts: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    v = _org_vocab()
    city_full = np.full(n, _short_division(city) + "市", dtype=object)
    dist = _pick_strs(rng, districts, n) if districts else np.full(n, "", dtype=object)
    kind = _choose(
        rng,
        n,
        {"community": 0.55, "private": 0.20, "assoc": 0.15, "chamber": 0.05, "promotion": 0.05},
    )
    names = np.empty(n, dtype=object)
    sel = kind == 0
    m = int(sel.sum())
    root = _cat(v["place_chars"].sample(rng, m), v["place_chars"].sample(rng, m))
    names[sel] = _cat(dist[sel], root, "社区", v["community_org"].sample(rng, m))
    sel = kind == 1
    m = int(sel.sum())
    names[sel] = _cat(city_full[sel], dist[sel], _trade_names(rng, m), v["private_unit"].sample(rng, m))
    sel = kind == 2
    m = int(sel.sum())
    level = np.where(rng.random(m) < 0.4, dist[sel], "")
    names[sel] = _cat(city_full[sel], level, v["assoc"].sample(rng, m), "协会")
    sel = kind == 3
    names[sel] = _cat(city_full[sel], v["chamber"].sample(rng, int(sel.sum())), "商会")
    sel = kind == 4
    names[sel] = _cat(city_full[sel], v["promotion"].sample(rng, int(sel.sum())), "促进会")
    return names, np.full(n, v["social_section"], dtype=object)


def company_names(
    rng: np.random.Generator,
    n: int,
    city_name: str,
    district_names: Sequence[str],
    *,
    province_name: str | None = None,
    unique: bool = True,
    with_kinds: bool = False,
) -> tuple[np.ndarray, ...]:
    """n organisation names and their GB/T 4754 industry sections (both object arrays).

    Kinds (shares): enterprises 70% (``[绍兴|绍兴市越城区|浙江] + 字号 + 行业 + 组织形式``:
    有限公司, 有限责任公司, 股份有限公司, ``...有限公司越城分公司``, ``...合伙企业（有限合伙）``,
    ``...厂``, ``字号行业（绍兴）有限公司``), sole traders 26% (``越城区鑫达便利店``,
    ``老王面馆``, ``张记小吃店``) and social organisations 4% (``绍兴市摄影家协会``,
    ``绍兴市福建商会``, ``绍兴市文化发展促进会``, ``越城区翠湖社区老年协会``, private
    kindergartens and schools). Industries are section names such as 制造业 or
    住宿和餐饮业 (social organisations: 公共管理、社会保障和社会组织).

    `city_name` may be given with or without 市 (绍兴 / 绍兴市); `district_names` are full
    names (越城区, 新昌县, 诸暨市). With `unique` (default) duplicated names are redrawn, as
    a registration authority refuses a second identical name; similar names (the same 字号
    in different industries) remain. With `with_kinds` a third array gives each row's kind
    (one of `ORGANISATION_KINDS`).
    """
    v = _org_vocab()
    kinds = list(v["kinds"])

    def draw(r: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = _choose(r, m, v["kinds"])
        names = np.empty(m, dtype=object)
        sections = np.empty(m, dtype=object)
        makers = (
            lambda mm: _enterprises(r, mm, city_name, district_names, province_name),
            lambda mm: _sole_traders(r, mm, city_name, district_names),
            lambda mm: _social_orgs(r, mm, city_name, district_names),
        )
        for i, make in enumerate(makers):
            sel = k == i
            names[sel], sections[sel] = make(int(sel.sum()))
        return names, sections, _obj(kinds)[k]

    names, sections, kind = _draw_unique(rng, n, draw, unique=unique)
    if with_kinds:
        return names, sections, kind
    return names, sections


# --------------------------------------------------------------------------- places


@cache
def _place_vocab() -> dict[str, Any]:
    d = _data("places.yaml")
    return {
        "chars": _Vocab.zipf(_chars(d["place_chars"]), 0.5),
        "roots": _Vocab.zipf(_distinct(d["compound_roots"]), 0.4),
        "suffix": _Vocab.weighted(d["compound_suffixes"]),
        "brands": _Vocab.zipf(_distinct(d["developer_brands"]), 0.6),
        "brand_share": float(d["brand_share"]),
        "phase_share": float(d["phase_share"]),
        "phases": _Vocab.zipf(_distinct(d["phases"]), 1.0),
        "work_unit_share": float(d["work_unit_share"]),
        "work_units": _Vocab(_distinct(d["work_units"])),
        "road_roots": _Vocab.zipf(_distinct(d["road_roots"]), 0.3),
        "road_suffix": _Vocab.weighted(d["road_suffixes"]),
        "numbered_share": float(d["numbered_road_share"]),
    }


_CN_DIGITS = "一二三四五六七八九十"


def _place_root(rng: np.random.Generator, n: int, ready_share: float) -> np.ndarray:
    v = _place_vocab()
    out = _cat(v["chars"].sample(rng, n), v["chars"].sample(rng, n))
    ready = rng.random(n) < ready_share
    out[ready] = v["roots"].sample(rng, int(ready.sum()))
    return out


def compound_names(rng: np.random.Generator, n: int, *, unique: bool = True) -> np.ndarray:
    """n residential compound (小区) names: root + 花园/小区/苑/家园/新村/公寓/府/名邸/华庭 ...

    Roots are common words (阳光, 锦绣, 香樟 ...) or composed of two place characters; 8%
    carry a developer brand (绿城·桂语江南 style, with or without the dot), 6% a phase
    (一期, 东区) and 3% are old work-unit housing (纺织厂宿舍). Unique by default (redrawn).
    Object array of str.
    """
    v = _place_vocab()

    def draw(r: np.random.Generator, m: int) -> tuple[np.ndarray]:
        names = _cat(_place_root(r, m, 0.3), v["suffix"].sample(r, m))
        brand = r.random(m) < v["brand_share"]
        k = int(brand.sum())
        dot = np.where(r.random(k) < 0.5, "·", "")
        names[brand] = _cat(v["brands"].sample(r, k), dot, names[brand])
        phase = r.random(m) < v["phase_share"]
        names[phase] = _cat(names[phase], v["phases"].sample(r, int(phase.sum())))
        unit = r.random(m) < v["work_unit_share"]
        names[unit] = _cat(v["work_units"].sample(r, int(unit.sum())), "宿舍")
        return (names,)

    return _draw_unique(rng, n, draw, unique=unique)[0]


def road_names(rng: np.random.Generator, n: int, *, unique: bool = True) -> np.ndarray:
    """n road names: root + 路/街/大道/巷/弄, or with a direction (解放北路, 人民中路).

    Roots are classic names (人民, 解放, 中山, 建设 ...) or composed of two place characters;
    3% are grid-numbered (经三路, 纬五路). Unique by default. Object array of str.
    """
    v = _place_vocab()
    digits = _obj(list(_CN_DIGITS))

    def draw(r: np.random.Generator, m: int) -> tuple[np.ndarray]:
        root = _place_root(r, m, 0.0)
        classic = r.random(m) < 0.3
        root[classic] = v["road_roots"].sample(r, int(classic.sum()))
        names = _cat(root, v["road_suffix"].sample(r, m))
        numbered = r.random(m) < v["numbered_share"]
        k = int(numbered.sum())
        axis = np.where(r.random(k) < 0.5, "经", "纬")
        names[numbered] = _cat(axis, digits[r.integers(0, len(digits), k)], "路")
        return (names,)

    return _draw_unique(rng, n, draw, unique=unique)[0]


def community_names(rng: np.random.Generator, n: int, *, village_share: float = 0.3, unique: bool = True) -> np.ndarray:
    """n community (社区) or village (村) names, e.g. 翠湖社区, 金桥村. Unique by default."""

    def draw(r: np.random.Generator, m: int) -> tuple[np.ndarray]:
        suffix = np.where(r.random(m) < village_share, "村", "社区").astype(object)
        return (_cat(_place_root(r, m, 0.15), suffix),)

    return _draw_unique(rng, n, draw, unique=unique)[0]
