"""Stable warehouse keys (稳定主键): a person, house, company or matter keeps its key across runs.

Each run clusters the current mentions afresh; this module then hands each cluster the key its
mentions carried last run:
- a cluster whose mentions carried one key keeps it;
- a merge (mentions of several old keys now in one cluster) keeps the OLDEST key (the key
  registry records when each key was made); the others are retired to it ("merged");
- a split (one old key's mentions now in several clusters) keeps the key on the LARGER part
  (most of that key's mentions; ties to the part with the smallest mention id); the other parts
  take another old key they hold, or a new one;
- a key none of whose mentions is left is retired with no successor ("gone");
- a new cluster gets a new key derived from its smallest mention id (the same input clustered
  from scratch gets the same keys), never one used before.
Retired keys go to key_history with their successor, so a department holding an old key can
follow it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

REGISTRY_COLUMNS = ["entity_type", "entity_key", "created_at", "created_run_id", "retired_at"]
HISTORY_COLUMNS = ["entity_type", "retired_key", "successor_key", "reason", "run_id", "retired_at"]


@dataclass
class Keys:
    by_mention: pd.Series  # mention_id → key
    history: pd.DataFrame  # retired this run (HISTORY_COLUMNS)
    registry: pd.DataFrame  # every key ever made for this entity type (REGISTRY_COLUMNS)


def _new_key(prefix: str, anchor: str, taken: set[str]) -> str:
    base = prefix + hashlib.md5(anchor.encode("utf-8")).hexdigest()[:16]
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def assign_keys(
    entity_type: str,
    prefix: str,
    mentions: pd.DataFrame,
    previous: pd.DataFrame | None,
    registry: pd.DataFrame | None,
    run_id: str,
    now: pd.Timestamp,
) -> Keys:
    """`mentions`: mention_id, cluster (any hashable id); `previous`: mention_id, key of last run."""
    registry = (
        registry[registry.entity_type == entity_type].copy()
        if registry is not None and len(registry)
        else pd.DataFrame(columns=REGISTRY_COLUMNS)
    )
    created = dict(zip(registry.entity_key, pd.to_datetime(registry.created_at), strict=False))
    taken = set(registry.entity_key)
    frame = mentions[["mention_id", "cluster"]].copy()
    old = previous.rename(columns={previous.columns[1]: "key"})[["mention_id", "key"]] if previous is not None else None
    chosen: dict[object, str] = {}
    history: list[dict] = []
    if old is not None and len(old):
        joined = frame.merge(old, on="mention_id", how="inner")
        counts = joined.groupby(["key", "cluster"]).agg(n=("mention_id", "size"), first=("mention_id", "min"))
        counts = counts.reset_index().sort_values(["key", "n", "first"], ascending=[True, False, True])
        home = counts.drop_duplicates("key")  # each old key's larger part
        home = home.assign(created=home.key.map(created).fillna(now))
        home = home.sort_values(["cluster", "created", "key"])
        for cluster, keys in home.groupby("cluster", sort=False).key:
            keys = list(keys)
            chosen[cluster] = keys[0]
            history += [{"retired_key": k, "successor_key": keys[0], "reason": "merged"} for k in keys[1:]]
        # a cluster whose old keys all went home elsewhere: another old key it holds, not yet used
        used = set(chosen.values()) | {h["retired_key"] for h in history}
        for cluster, keys in counts.groupby("cluster", sort=False).key:
            if cluster not in chosen:
                spare = [k for k in keys if k not in used]
                if spare:
                    chosen[cluster] = spare[0]
                    used.add(spare[0])
        gone = set(old.key) - set(joined.key)
        history += [{"retired_key": k, "successor_key": None, "reason": "gone"} for k in sorted(gone)]
    anchors = frame.groupby("cluster").mention_id.min()
    new_rows = []
    for cluster, anchor in anchors.items():
        if cluster not in chosen:
            key = _new_key(prefix, anchor, taken)
            taken.add(key)
            chosen[cluster] = key
            new_rows.append(
                {"entity_type": entity_type, "entity_key": key, "created_at": now, "created_run_id": run_id}
            )
    by_mention = pd.Series(frame.cluster.map(chosen).to_numpy(), index=frame.mention_id.to_numpy())
    history_frame = pd.DataFrame(history, columns=["retired_key", "successor_key", "reason"])
    history_frame.insert(0, "entity_type", entity_type)
    history_frame["run_id"] = run_id
    history_frame["retired_at"] = now
    registry = pd.concat([registry, pd.DataFrame(new_rows, columns=REGISTRY_COLUMNS)], ignore_index=True)
    retired = registry.entity_key.isin(history_frame.retired_key) & registry.retired_at.isna()
    registry.loc[retired, "retired_at"] = now
    return Keys(by_mention=by_mention, history=history_frame[HISTORY_COLUMNS], registry=registry)
