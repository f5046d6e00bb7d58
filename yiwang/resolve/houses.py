"""Houses (一房一档): which house records are the same real house, by the standard address key.

Each record gives up to two keys (yiwang.normalize.address): one from its address as typed and
one from its own structured parts (小区 + 楼栋 + 单元 + 室, designators like 号楼/栋/幢/座 and
leading zeros removed). Records sharing a key are one house. A key counts only when it reaches
the room (室): a key that stops at the building would merge every flat in it. Keys are compared
within a community (社区, from the record's grid code): compound names repeat across a city.
"""

from __future__ import annotations

import re

import pandas as pd

from yiwang.normalize.address import parse_address, standard_address_key
from yiwang.resolve.union_find import GuardedUnionFind

DESIGNATOR = re.compile(r"(号楼|号|栋|幢|座|单元|室|户)$")


def _part(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return DESIGNATOR.sub("", value.strip()) or None


def _room_key(text: str | None) -> str | None:
    if not text:
        return None
    parts = parse_address(text)
    return standard_address_key(parts) if parts.room else None


def structured_address(row: pd.Series) -> str | None:
    compound, building, unit, room = (_part(row[c]) for c in ("compound_name", "building", "unit", "room"))
    if not (compound and room):
        return None
    return f"{compound}{building + '幢' if building else ''}{unit + '单元' if unit else ''}{room}室"


def cluster_houses(mentions: pd.DataFrame) -> pd.DataFrame:
    """(mention_id, cluster, match_method, standard_address_key) per house mention."""
    m = mentions.reset_index(drop=True)
    from_parts = m.apply(structured_address, axis=1).map(_room_key)
    from_text = m.address.map(_room_key)
    uf = GuardedUnionFind([None] * len(m))
    keys = pd.concat(
        [pd.DataFrame({"row": m.index, "key": from_parts}), pd.DataFrame({"row": m.index, "key": from_text})]
    )
    keys = keys.dropna()
    # the same compound, building and room in two communities are two houses: the key is scoped
    # by the community (the grid code less its 3-digit grid number) where the record has a grid
    community = m.grid_code.map(lambda g: g[:-3] if isinstance(g, str) and len(g) > 3 else "")
    keys["key"] = keys["row"].map(community) + "|" + keys["key"]
    uf.union_groups(g["row"].to_numpy() for _, g in keys.groupby("key") if len(g) > 1)
    roots = uf.roots()
    size = pd.Series(roots).map(pd.Series(roots).value_counts()).to_numpy()
    return pd.DataFrame(
        {
            "mention_id": m.mention_id,
            "cluster": roots,
            "match_method": ["address_key" if s > 1 else "singleton" for s in size],
            "standard_address_key": from_parts.fillna(from_text),
        }
    )


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
