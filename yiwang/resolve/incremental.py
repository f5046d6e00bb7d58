"""Incremental entity resolution (增量解析): re-decide only the clusters that the mentions which
arrived, changed or left since the last run can reach; keep every other cluster, its key and
its golden record as they were.

Each entity type's clustering is a function of its mentions. Per mention the last run kept a
fingerprint (a hash of its whole row in the mention model) and its blocking keys (the values any
of its rules joins two mentions on: EntityType.blocking). A run:
1. diffs the current mentions against the fingerprints: new, changed and deleted mentions are
   the seeds;
2. grows the affected set from the seeds, `rounds` times per entity type (settings/incremental.yml): add every
   mention sharing a blocking key with an affected one (a deleted mention by the keys it had),
   then every mention of a cluster (last run's) an affected mention belongs to;
3. clusters the affected set with the same cluster function, keeps every other cluster as is.
When the affected set is closed (a round adds nothing) and the rules read only mentions that
share a blocking key, the result is the full re-cluster's; docs/resolution.md lists the
exceptions (statistics learned over the whole warehouse) and the measured difference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from yiwang.resolve.config import SETTINGS_DIR, read_settings

SETTINGS = SETTINGS_DIR / "incremental.yml"
PACKAGE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class IncrementalSettings:
    rounds: dict[str, int]  # entity type → growth rounds of the affected set
    retrain_share: float = 0.15  # mentions changed since a scored tier's model was trained, as a share
    types: frozenset[str] = frozenset()  # entity types resolved incrementally; the others in full

    def rounds_for(self, entity_type: str) -> int:
        return self.rounds.get(entity_type, self.rounds.get("default", 3))


@cache
def incremental_settings(path: Path = SETTINGS) -> IncrementalSettings:
    doc = read_settings(path)
    rounds = doc.get("rounds", {})
    if not isinstance(rounds, dict):
        raise ValueError(f"{path}: rounds maps an entity type (or default) to a number of rounds")
    for kind, n in rounds.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{path}: rounds.{kind} must be a whole number of at least 1, not {n!r}")
    share = doc.get("retrain_share", IncrementalSettings.retrain_share)
    if not isinstance(share, int | float) or isinstance(share, bool) or share < 0:
        raise ValueError(f"{path}: retrain_share must be a number of at least 0, not {share!r}")
    types = doc.get("types", [])
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ValueError(f"{path}: types lists entity types (person, house, legal_entity, matter), not {types!r}")
    return IncrementalSettings(rounds=dict(rounds), retrain_share=float(share), types=frozenset(types))


@cache
def settings_version() -> str:
    """A hash of the resolver's settings and code: persisted state made under another version is
    not reused (the next run re-clusters everything)."""
    digest = hashlib.sha256()
    files = sorted(PACKAGE_DIR.glob("*.py")) + sorted(SETTINGS_DIR.glob("*.yml"))
    files += sorted((PACKAGE_DIR / "link").rglob("*.py")) + sorted((PACKAGE_DIR / "link").rglob("*.yml"))
    for path in files:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fingerprints(mentions: pd.DataFrame, id_column: str) -> pd.Series:
    """mention id → hash of its row (every column, as text, in name order)."""
    columns = sorted(c for c in mentions.columns)
    text = mentions[columns].astype(str).where(mentions[columns].notna(), "\x00")
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy(dtype=np.uint64)
    return pd.Series([f"{h:016x}" for h in hashed], index=mentions[id_column].to_numpy())


@dataclass
class Diff:
    new: set[str]
    changed: set[str]
    deleted: set[str]

    @property
    def seeds(self) -> set[str]:
        return self.new | self.changed | self.deleted


def diff(current: pd.Series, previous: pd.Series) -> Diff:
    """`current`, `previous`: mention id → fingerprint."""
    common = current.index.intersection(previous.index)
    changed = common[current[common].to_numpy() != previous[common].to_numpy()]
    return Diff(
        new=set(current.index.difference(previous.index)),
        changed=set(changed),
        deleted=set(previous.index.difference(current.index)),
    )


def affected_mentions(
    seeds: set[str],
    blocks: pd.DataFrame,
    previous_clusters: pd.DataFrame,
    rounds: int,
) -> tuple[set[str], bool]:
    """The affected set grown from `seeds` (see the module docstring) and whether it closed.

    `blocks`: mention_id, blocking_key (current mentions' keys and deleted mentions' last keys);
    `previous_clusters`: mention_id, key of the last run."""
    by_block = blocks.groupby("blocking_key").mention_id.agg(list)
    blocks_of = blocks.groupby("mention_id").blocking_key.agg(list)
    by_key = previous_clusters.groupby("key").mention_id.agg(list)
    key_of = previous_clusters.set_index("mention_id").key
    affected = set(seeds)
    frontier = set(seeds)
    seen_blocks: set[str] = set()
    seen_keys: set[str] = set()
    closed = False
    for _ in range(rounds):
        grown: set[str] = set()
        reached_blocks = {b for m in frontier if m in blocks_of.index for b in blocks_of[m]} - seen_blocks
        seen_blocks |= reached_blocks
        for b in reached_blocks:
            grown.update(by_block[b])
        reached = frontier | grown
        reached_keys = {key_of[m] for m in reached if m in key_of.index} - seen_keys
        seen_keys |= reached_keys
        for k in reached_keys:
            grown.update(by_key[k])
        frontier = grown - affected
        affected |= grown
        if not frontier:
            closed = True
            break
    return affected, closed
