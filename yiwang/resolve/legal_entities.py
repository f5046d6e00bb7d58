"""Legal entities (一企一档): which organisation mentions are the same real organisation.

1. The same valid unified social credit code (GB 32100) — credit_code.
2. Otherwise the same normalised name — name: full-width to half-width, spaces dropped, brackets
   unified, 有限责任公司 → 有限公司, and a leading place prefix (省/市/区/县, or a place in brackets
   such as （绍兴）) removed. Branches (分公司, 分店, 营业部) stay apart from their parent: the
   branch suffix is part of the name.
Two different valid credit codes never merge; the refusal is recorded (two_credit_codes).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from yiwang.resolve.union_find import GuardedUnionFind

PLACE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}省)?(?:[\u4e00-\u9fff]{2,3}市)?(?:[\u4e00-\u9fff]{2,3}[区县])?")
PLACE_IN_BRACKETS = re.compile(r"\((?:[\u4e00-\u9fff]{2,3}(?:省|市|区|县)?)\)")
FORMS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))


def organisation_name_key(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\s+", "", text).replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    for long, short in FORMS:
        text = text.replace(long, short)
    text = PLACE_IN_BRACKETS.sub("", text)
    stripped = PLACE_PREFIX.sub("", text)
    if len(stripped) >= 4:  # keep the prefix when the rest is too short to name anything
        text = stripped
    return text or None


def cluster_legal_entities(mentions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mention_id, cluster, match_method) per mention, and refused merges as conflicts."""
    m = mentions.reset_index(drop=True)
    codes = m.credit_code.where(m.credit_code.notna(), None)
    uf = GuardedUnionFind(codes.tolist())
    names = m.entity_name.map(organisation_name_key)
    method = ["credit_code" if isinstance(c, str) else "name" for c in codes]
    uf.union_groups(g for g in pd.Series(range(len(m))).groupby(codes.to_numpy()).groups.values() if len(g) > 1)
    uf.union_groups(
        g.to_numpy() for g in pd.Series(range(len(m))).groupby(names.to_numpy()).groups.values() if len(g) > 1
    )
    roots = uf.roots()
    size = pd.Series(roots).map(pd.Series(roots).value_counts()).to_numpy()
    clusters = pd.DataFrame(
        {
            "mention_id": m.mention_id,
            "cluster": roots,
            "match_method": [meth if s > 1 else "singleton" for meth, s in zip(method, size, strict=True)],
        }
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
