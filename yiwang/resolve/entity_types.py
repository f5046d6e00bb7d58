"""The entity types resolution loops over: one `EntityType` spec each, in ENTITY_TYPES.

A spec names its mention model, how to cluster it (one result shape, `Clustering`), how to
build golden records, its key prefix and the tables it writes. Adding an entity type is adding
a spec here (and its tables under schemas/resolution/); `resolve()` does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from yiwang.resolve import houses, legal_entities, matters, people, review
from yiwang.resolve.golden import survive
from yiwang.resolve.houses import cluster_houses, golden_houses, key_anchors
from yiwang.resolve.legal_entities import cluster_legal_entities
from yiwang.resolve.matters import cluster_matters, matter_settings
from yiwang.resolve.people import attribute_conflicts, cluster_people


@dataclass(frozen=True)
class Clustering:
    """What a clustering function returns: `clusters` (mention_id, cluster, ... per mention), the
    mentions whose keys the entity's key follows across runs (`anchors`, default: all) and the
    merges it refused (`refused`, conflicts by cluster) and tables of mention pairs to write
    beside them (`pairs`: table name → rows with mention_id_a, mention_id_b)."""

    clusters: pd.DataFrame
    anchors: pd.DataFrame | None = None
    refused: pd.DataFrame | None = None
    pairs: dict[str, pd.DataFrame] | None = None


@dataclass(frozen=True)
class Golden:
    """What a golden-record builder returns: one row per entity key, and conflicts it found."""

    records: pd.DataFrame
    conflicts: pd.DataFrame | None = None


@dataclass(frozen=True)
class EntityType:
    """One entity type: mentions in, keyed clusters and golden records out (schema resolution)."""

    name: str  # entity_type in key_registry, key_history, conflicts and the trust orders
    mentions: str  # the intermediate model it reads
    key_prefix: str
    cluster: Callable[[pd.DataFrame], Clustering]
    golden: Callable[[pd.DataFrame, pd.DataFrame, dict[str, list[str]]], Golden] | None = None
    mention_column: str = "mention_id"  # the mention model's and the clusters table's name for the mention id
    # (mention_id, blocking_key): every value a rule joins two mentions on (yiwang/resolve/incremental.py)
    blocking: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # the mentions whose keys an entity's key follows (keys.py), from clusters; None: all of them
    key_anchors: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # tables computed from the run's final clusters (mention_id, cluster), e.g. which decisions held
    finished: Callable[[pd.DataFrame], dict[str, pd.DataFrame]] | None = None

    @property
    def key(self) -> str:
        return f"{self.name}_key"

    @property
    def clusters_table(self) -> str:
        return f"{self.name}_clusters"

    @property
    def golden_table(self) -> str | None:
        return f"{self.name}_golden" if self.golden else None


def _people(mentions: pd.DataFrame) -> Clustering:
    decisions = review.read_decisions()
    clusters, refused = cluster_people(mentions, decisions=decisions, review_from=people.review_from())
    pairs = {"person_merges": clusters.attrs["merges"], "person_review": clusters.attrs["review"]}
    return Clustering(clusters, refused=refused, pairs=pairs)


def _person_decisions(clusters: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {"person_decisions": review.applied(review.read_decisions(), clusters)}


def _person_golden(mentions: pd.DataFrame, clusters: pd.DataFrame, trust: dict[str, list[str]]) -> Golden:
    persons = mentions.merge(clusters[["mention_id", "person_key"]], on="mention_id")
    golden = survive(persons, "person_key", trust, valid="id_number_is_valid")
    golden["id_number_is_valid"] = golden.id_number.notna()
    return Golden(golden, attribute_conflicts(persons, golden))


def _houses(mentions: pd.DataFrame) -> Clustering:
    clusters = cluster_houses(mentions)
    return Clustering(clusters, anchors=key_anchors(clusters))


def _house_golden(mentions: pd.DataFrame, clusters: pd.DataFrame, trust: dict[str, list[str]]) -> Golden:
    return Golden(golden_houses(mentions, clusters, trust))


def _legal_entities(mentions: pd.DataFrame) -> Clustering:
    clusters, refused = cluster_legal_entities(mentions)
    return Clustering(clusters, refused=refused)


def _legal_entity_golden(mentions: pd.DataFrame, clusters: pd.DataFrame, trust: dict[str, list[str]]) -> Golden:
    entities = mentions.merge(clusters[["mention_id", "legal_entity_key"]], on="mention_id")
    entities["credit_code_is_valid"] = entities.credit_code.notna()
    return Golden(survive(entities, "legal_entity_key", trust, valid="credit_code_is_valid"))


def _matters(reports: pd.DataFrame) -> Clustering:
    return Clustering(cluster_matters(reports, **matter_settings()))


def _matter_blocking(reports: pd.DataFrame) -> pd.DataFrame:
    return matters.blocking_keys(reports, matter_settings()["window_hours"])


ENTITY_TYPES: tuple[EntityType, ...] = (
    EntityType(
        "person",
        "int_person_mentions",
        "P",
        _people,
        _person_golden,
        blocking=people.blocking_keys,
        finished=_person_decisions,
    ),
    EntityType(
        "house",
        "int_house_mentions",
        "H",
        _houses,
        _house_golden,
        blocking=houses.blocking_keys,
        key_anchors=key_anchors,
    ),
    EntityType(
        "legal_entity",
        "int_legal_entity_mentions",
        "L",
        _legal_entities,
        _legal_entity_golden,
        blocking=legal_entities.blocking_keys,
    ),
    EntityType("matter", "int_event_reports", "M", _matters, mention_column="event_key", blocking=_matter_blocking),
)
