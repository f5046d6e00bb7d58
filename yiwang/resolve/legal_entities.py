"""Legal entities (一企一档): which organisation mentions are the same real organisation.

1. The same valid unified social credit code (GB 32100) — credit_code.
2. Otherwise the name, with the address and the legal representative as evidence. Names are
   normalised (organisation_name_key): simplified characters, full-width to half-width, spaces
   dropped, brackets unified, 有限责任公司 → 有限公司, and a leading place prefix (省/市/区/县, or a
   place in brackets such as （绍兴）) removed. Branches (分公司, 分店, 营业部 …) stay apart from
   their parent: the branch suffix is part of the name and must agree.
   Two mentions that a code does not decide are compared when their names are the same (`name`)
   or alike (`probabilistic`: the same toneless pinyin, or an edit similarity of at least
   `similar_name`). Each comparison (name, legal representative, address) adds its weight
   log2(m/u) from settings/legal_entity.yml to the prior odds; the pair joins at a match
   probability of at least `threshold`, recorded in match_probability. So the same name with a
   different representative in another district stays apart, and a typo'd name with the same
   representative and address joins. A merge is vetoed when it would put together two mentions
   whose own pair scored below `veto`.
Two different valid credit codes never merge; the refusal is recorded (two_credit_codes).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import combinations
from pathlib import Path

import pandas as pd

from yiwang.normalize.address import parse_address, standard_address_key
from yiwang.normalize.names import to_simplified
from yiwang.resolve.config import SETTINGS_DIR, read_settings
from yiwang.resolve.houses import same_place
from yiwang.resolve.similarity import edit_similarity, toneless_pinyin
from yiwang.resolve.union_find import GuardedUnionFind

SETTINGS = SETTINGS_DIR / "legal_entity.yml"
PLACE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}省)?(?:[\u4e00-\u9fff]{2,3}市)?(?:[\u4e00-\u9fff]{2,3}[区县])?")
PLACE_IN_BRACKETS = re.compile(r"\((?:[\u4e00-\u9fff]{2,3}(?:省|市|区|县)?)\)")
FORMS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))
BRANCH = re.compile(r"(?:分公司|分店|营业部|分部|办事处|分厂|分行|支行|分院)$")
LEVELS = {
    "name": ("exact", "similar"),
    "legal_representative": ("agree", "disagree"),
    "address": ("agree", "differs", "other_district"),
}


@dataclass(frozen=True)
class EntitySettings:
    prior: float
    threshold: float
    veto: float
    similar_name: float
    weights: dict[str, dict[str, float]]  # comparison → level → log2(m/u)

    def probability(self, levels: dict[str, str | None]) -> float:
        score = math.log2(self.prior / (1 - self.prior))
        score += sum(self.weights[c][level] for c, level in levels.items() if level)
        return 1 / (1 + 2**-score)


@cache
def entity_settings(path: Path = SETTINGS) -> EntitySettings:
    doc = read_settings(path)
    weights: dict[str, dict[str, float]] = {}
    for comparison, levels in LEVELS.items():
        given = doc["comparisons"][comparison]
        if set(given) != set(levels):
            raise ValueError(f"{path}: {comparison} needs the levels {list(levels)}, has {sorted(given)}")
        for level, mu in given.items():
            if not (0 < mu["m"] <= 1 and 0 < mu["u"] <= 1):
                raise ValueError(f"{path}: {comparison}.{level}: m and u must be probabilities above 0")
        weights[comparison] = {level: math.log2(mu["m"] / mu["u"]) for level, mu in given.items()}
    return EntitySettings(
        prior=float(doc["prior"]),
        threshold=float(doc["threshold"]),
        veto=float(doc["veto"]),
        similar_name=float(doc["similar_name"]),
        weights=weights,
    )


@lru_cache(maxsize=100_000)
def _name_key(name: str) -> str | None:
    text = to_simplified(unicodedata.normalize("NFKC", name))
    text = re.sub(r"\s+", "", text).replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    for long, short in FORMS:
        text = text.replace(long, short)
    text = PLACE_IN_BRACKETS.sub("", text)
    stripped = PLACE_PREFIX.sub("", text)
    if len(stripped) >= 4:  # keep the prefix when the rest is too short to name anything
        text = stripped
    return text or None


def organisation_name_key(name: object) -> str | None:
    return _name_key(name) if isinstance(name, str) else None


def _person_key(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    text = re.sub(r"[\s·•.]+", "", to_simplified(unicodedata.normalize("NFKC", name)))
    return text if len(text) >= 2 and not re.search(r"[某*＊]", text) else None


@lru_cache(maxsize=100_000)
def names_alike(a: str, b: str, similar: float) -> bool:
    """Two different name keys that may name one organisation: the same branch suffix, and the
    same toneless pinyin or an edit similarity of at least `similar`."""
    ba, bb = BRANCH.search(a), BRANCH.search(b)
    if (ba and ba[0]) != (bb and bb[0]):
        return False
    return toneless_pinyin(a) == toneless_pinyin(b) or edit_similarity(a, b) >= similar


def _address(value: object) -> tuple[str | None, str | None, str | None]:
    """(standard address key, district, the text without spaces) of an address as typed."""
    if not isinstance(value, str) or not value.strip():
        return None, None, None
    parts = parse_address(value)
    return standard_address_key(parts), parts.district, re.sub(r"\s+", "", parts.cleaned or value)


def _levels(a: dict, b: dict) -> dict[str, str | None]:
    """The comparison level of each comparison for two mentions (None where a value is missing)."""
    rep = None
    if a["rep"] and b["rep"]:
        same = a["rep"] == b["rep"] or toneless_pinyin(a["rep"]) == toneless_pinyin(b["rep"])
        rep = "agree" if same else "disagree"
    address = None
    if a["text"] and b["text"]:
        if (a["key"] and a["key"] == b["key"]) or a["text"] == b["text"]:
            address = "agree"
        elif a["district"] and b["district"] and not same_place(a["district"], b["district"]):
            address = "other_district"
        else:
            address = "differs"
    return {"name": "exact" if a["name"] == b["name"] else "similar", "legal_representative": rep, "address": address}


def _candidate_pairs(names: pd.Series, reps: pd.Series, similar: float) -> set[tuple[int, int]]:
    """Row pairs whose names are the same or alike: blocked by the name key and by its pinyin;
    typos (alike, not homophones) among the names that share a legal representative."""
    pairs: set[tuple[int, int]] = set()
    named = names.dropna()
    for block in (named, named.map(toneless_pinyin)):
        for rows in block.groupby(block.to_numpy()).groups.values():
            pairs.update(combinations(sorted(int(r) for r in rows), 2))
    frame = pd.DataFrame({"name": named, "rep": reps.reindex(named.index)})
    for rows in frame.dropna().groupby("rep").groups.values():
        by_name = frame.loc[rows].groupby("name").groups
        for x, y in combinations(sorted(by_name), 2):
            if names_alike(x, y, similar):
                pairs.update((min(i, j), max(i, j)) for i in by_name[x] for j in by_name[y])
    return pairs


def cluster_legal_entities(
    mentions: pd.DataFrame, settings: EntitySettings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mention_id, cluster, match_method, match_probability) per mention, and refused merges as conflicts."""
    settings = settings or entity_settings()
    m = mentions.reset_index(drop=True)
    codes = m.credit_code.where(m.credit_code.notna(), None)
    has_code = codes.map(lambda c: isinstance(c, str)).to_numpy()
    uf = GuardedUnionFind(codes.tolist())
    names = pd.Series([organisation_name_key(n) for n in m.entity_name.tolist()], index=m.index, dtype=object)
    shared = codes.map(codes.value_counts()).fillna(0).to_numpy() > 1
    method = ["credit_code" if c else "singleton" for c in shared]
    probability: list[float | None] = [None] * len(m)
    groups = pd.Series(range(len(m))).groupby(codes.to_numpy()).groups.values()
    uf.union_groups((g for g in groups if len(g) > 1), rule="credit_code")

    # name tier: pairs of alike names that a code does not decide, scored on all their evidence
    given = m.legal_representative_name.tolist() if "legal_representative_name" in m else [None] * len(m)
    reps = pd.Series([_person_key(r) for r in given], index=m.index, dtype=object)
    addresses = m.address.tolist() if "address" in m else [None] * len(m)
    facts = [
        {"name": name, "rep": rep, **dict(zip(("key", "district", "text"), _address(address), strict=True))}
        for name, rep, address in zip(names.tolist(), reps.tolist(), addresses, strict=True)
    ]
    scored: dict[tuple[int, int], float] = {}
    for a, b in _candidate_pairs(names, reps, settings.similar_name):
        if not (has_code[a] and has_code[b]):  # two codes decide: the same joined above, two never join
            scored[a, b] = settings.probability(_levels(facts[a], facts[b]))

    def veto(left: list[int], right: list[int]) -> str | None:
        for x in left:
            for y in right:
                p = scored.get((min(x, y), max(x, y)))
                if p is not None and p < settings.veto:
                    return "evidence_differs"
        return None

    for (a, b), p in sorted(scored.items(), key=lambda item: (-item[1], item[0])):
        if p < settings.threshold:
            break
        kind = "name" if names[a] == names[b] else "probabilistic"
        if uf.union(a, b, veto, kind):
            for row in (a, b):
                if method[row] != "credit_code" and (probability[row] is None or p > probability[row]):
                    method[row], probability[row] = kind, p
    roots = uf.roots()
    size = pd.Series(roots).map(pd.Series(roots).value_counts()).to_numpy()
    clusters = pd.DataFrame(
        {
            "mention_id": m.mention_id,
            "cluster": roots,
            "match_method": [meth if s > 1 else "singleton" for meth, s in zip(method, size, strict=True)],
            "match_probability": [p if s > 1 else None for p, s in zip(probability, size, strict=True)],
        }
    )
    clusters.attrs["merges"] = _merge_table(m, facts, codes, uf, scored)
    clusters.attrs["refusals"] = pd.DataFrame(
        [(m.mention_id[a], m.mention_id[b], rule, reason) for a, b, rule, reason in uf.refusals],
        columns=["mention_id_a", "mention_id_b", "rule", "reason"],
    )
    conflicts = pd.DataFrame(
        [
            {
                "conflict_kind": "two_credit_codes",
                "attribute": "credit_code",
                "mention_id_a": m.mention_id[a],
                "value_a": m.credit_code[a],
                "mention_id_b": m.mention_id[b],
                "value_b": m.credit_code[b],
                "cluster": uf.find(a),
            }
            for a, b in uf.refused
        ],
        columns=["conflict_kind", "attribute", "mention_id_a", "value_a", "mention_id_b", "value_b", "cluster"],
    )
    return clusters, conflicts


def _merge_table(m: pd.DataFrame, facts: list[dict], codes: pd.Series, uf: GuardedUnionFind, scored: dict):
    """Each merge made: the two mentions, the rule, its probability and which values agreed."""
    rows = []
    for a, b, rule in uf.merges:
        agreed = [name for name, same in (
            ("credit_code", isinstance(codes[a], str) and codes[a] == codes[b]),
            ("name_key", facts[a]["name"] is not None and facts[a]["name"] == facts[b]["name"]),
            ("legal_representative", facts[a]["rep"] is not None and facts[a]["rep"] == facts[b]["rep"]),
            ("address_key", facts[a]["key"] is not None and facts[a]["key"] == facts[b]["key"]),
        ) if same]  # fmt: skip
        rows.append((m.mention_id[a], m.mention_id[b], rule, scored.get((a, b)), ",".join(agreed),
                     "" if rule == "credit_code" else "evidence_differs"))  # fmt: skip
    return pd.DataFrame(rows, columns=["mention_id_a", "mention_id_b", "rule", "match_probability", "agreed", "vetoes"])


def blocking_keys(mentions: pd.DataFrame) -> pd.DataFrame:
    """(mention_id, blocking_key): the credit code, name key, its pinyin and the legal
    representative (the candidate pairs of cluster_legal_entities are drawn from these)."""
    m = mentions.reset_index(drop=True)
    names = pd.Series([organisation_name_key(n) for n in m.entity_name.tolist()], index=m.index, dtype=object)
    given = m.legal_representative_name if "legal_representative_name" in m else pd.Series(None, index=m.index)
    values = {
        "credit_code": m.credit_code.where(m.credit_code.notna(), None),
        "name": names,
        "pinyin": names.map(lambda n: toneless_pinyin(n) if isinstance(n, str) else None),
        "rep": pd.Series([_person_key(r) for r in given.tolist()], index=m.index, dtype=object),
    }
    frames = [
        pd.DataFrame({"mention_id": m.mention_id[v.index], "blocking_key": f"{kind}:" + v.astype(str)})
        for kind, v in ((k, s.dropna()) for k, s in values.items())
    ]
    return pd.concat(frames, ignore_index=True).drop_duplicates()
