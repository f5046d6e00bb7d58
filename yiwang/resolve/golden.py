"""Golden records by survivorship (存续): per attribute, the value of the best-ranked mention of
each entity, with that mention's id (settings/survivorship.yml explains the ranking)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from yiwang.resolve.config import SETTINGS_DIR, read_settings

SETTINGS = SETTINGS_DIR / "survivorship.yml"


@cache
def trust_orders(path: Path = SETTINGS) -> dict[str, dict[str, list[str]]]:
    doc = read_settings(path)
    for entity, attributes in doc.items():
        for attribute, order in attributes.items():
            if not isinstance(order, list) or not all(isinstance(p, str) for p in order):
                raise ValueError(f"{path}: {entity}.{attribute} must be a list of platform names")
    return doc


def survive(
    mentions: pd.DataFrame, key: str, attributes: dict[str, list[str]], valid: str | None = None
) -> pd.DataFrame:
    """One row per `key` value: each attribute's surviving value and <attribute>_source_mention_id.

    `mentions` has mention_id, source_platform, observed_at, `key`, the attributes and optionally
    a boolean `valid` column (validity of the mention's identifier).
    """
    out = pd.DataFrame({key: mentions[key].drop_duplicates().to_numpy()})
    for attribute, order in attributes.items():
        has = mentions[mentions[attribute].notna() & (mentions[attribute].astype(str) != "")]
        rank = has.source_platform.map({p: i for i, p in enumerate(order)}).fillna(len(order))
        ranked = has.assign(
            _rank=rank,
            _valid=~has[valid].fillna(False).astype(bool) if valid else False,
            _recent=pd.to_datetime(has.observed_at),
        ).sort_values([key, "_rank", "_valid", "_recent", "mention_id"], ascending=[True, True, True, False, True])
        best = ranked.drop_duplicates(key)[[key, attribute, "mention_id"]]
        best = best.rename(columns={"mention_id": f"{attribute}_source_mention_id"})
        out = out.merge(best, on=key, how="left")
    return out
