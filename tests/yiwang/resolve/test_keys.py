"""Stable keys: merges keep the oldest key, splits keep it on the larger part, retired keys are
recorded with their successor, new clusters get new keys that were never used."""

from __future__ import annotations

import pandas as pd

from yiwang.resolve.keys import assign_keys

NOW = pd.Timestamp("2026-11-02 00:00:00")


def _registry(*keys_and_days: tuple[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"entity_type": "person", "entity_key": k, "created_at": pd.Timestamp("2026-10-01") + pd.Timedelta(days=d),
             "created_run_id": "r0", "retired_at": None}
            for k, d in keys_and_days
        ]
    )  # fmt: skip


def _assign(clusters: dict[str, int], previous: dict[str, str] | None, registry=None):
    mentions = pd.DataFrame({"mention_id": list(clusters), "cluster": list(clusters.values())})
    prev = pd.DataFrame({"mention_id": list(previous), "person_key": list(previous.values())}) if previous else None
    return assign_keys("person", "P", mentions, prev, registry, "r1", NOW)


def test_unchanged_clusters_keep_their_keys():
    keys = _assign({"a": 1, "b": 1, "c": 2}, {"a": "P1", "b": "P1", "c": "P2"}, _registry(("P1", 0), ("P2", 1)))
    assert keys.by_mention.to_dict() == {"a": "P1", "b": "P1", "c": "P2"}
    assert keys.history.empty


def test_a_merge_keeps_the_oldest_key_and_retires_the_other_to_it():
    keys = _assign({"a": 1, "b": 1, "c": 1}, {"a": "P2", "b": "P1", "c": "P1"}, _registry(("P1", 5), ("P2", 1)))
    assert set(keys.by_mention) == {"P2"}  # P2 is older although P1 has more mentions
    assert keys.history[["retired_key", "successor_key", "reason"]].values.tolist() == [["P1", "P2", "merged"]]
    assert keys.registry.set_index("entity_key").retired_at["P1"] == NOW


def test_a_split_keeps_the_key_on_the_larger_part_and_gives_the_rest_a_new_key():
    keys = _assign({"a": 1, "b": 1, "c": 2}, {"a": "P1", "b": "P1", "c": "P1"}, _registry(("P1", 0)))
    assert keys.by_mention["a"] == keys.by_mention["b"] == "P1"
    assert keys.by_mention["c"] not in ("P1", None)
    assert keys.history.empty


def test_keys_whose_records_are_all_gone_are_retired_without_successor():
    keys = _assign({"a": 1}, {"a": "P1", "z": "P9"}, _registry(("P1", 0), ("P9", 0)))
    row = keys.history.iloc[0]
    assert (row.retired_key, row.successor_key, row.reason) == ("P9", None, "gone")


def test_new_keys_are_deterministic_and_never_reuse_a_registered_key():
    first = _assign({"a": 1, "b": 2}, None)
    again = _assign({"a": 1, "b": 2}, None)
    assert first.by_mention.to_dict() == again.by_mention.to_dict()
    registry = first.registry.assign(retired_at=NOW)  # both retired: their keys may not come back
    fresh = _assign({"a": 1, "b": 2}, None, registry)
    assert not set(fresh.by_mention) & set(first.by_mention)
