"""`resolve(target)`: the entity-resolution step of a warehouse build (see the package docstring)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from yiwang.contracts import resolution_tables
from yiwang.resolve import store
from yiwang.resolve.golden import survive, trust_orders
from yiwang.resolve.houses import cluster_houses, golden_houses, key_anchors
from yiwang.resolve.keys import assign_keys
from yiwang.resolve.legal_entities import cluster_legal_entities
from yiwang.resolve.matters import cluster_matters, matter_settings
from yiwang.resolve.people import attribute_conflicts, cluster_people
from yiwang.types import TYPES
from yiwang.warehouse.targets import Target, resolve_target

# DuckDB types of the logical types of schemas/resolution (the tables this step writes)
SQL_TYPES = {name: t.warehouse["duckdb"] for name, t in TYPES.items()}


def table_types(table: str) -> dict[str, str]:
    """Column → SQL type of resolution.<table>, in the order of schemas/resolution/<table>.yml."""
    return {c.name: SQL_TYPES[c.type] for c in resolution_tables()[table].columns}


@dataclass
class ResolveResult:
    """What one resolution run did: mentions in, entities out, per entity type."""

    target: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    conflicts: int = 0
    retired_keys: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> dict[str, object]:
        out: dict[str, object] = {
            kind: f"{c['mentions']:,} mentions → {c['entities']:,}" for kind, c in self.counts.items()
        }
        return out | {"conflicts": self.conflicts, "retired keys": self.retired_keys}


def _previous(con, schema: str, table: str, key: str) -> pd.DataFrame | None:
    frame = store.read(con, schema, table, required=False)
    if frame is None:
        return None
    return frame.rename(columns={"event_key": "mention_id"})[["mention_id", key]]  # matters are keyed by event


def resolve(target: Target | str = "duckdb", run_id: str | None = None) -> ResolveResult:
    """Cluster every mention in the warehouse's intermediate layer and write schema `resolution`."""
    target = resolve_target(target) if isinstance(target, str) else target
    started = time.monotonic()
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    run_id = run_id or now.strftime("resolve-%Y%m%dT%H%M%SZ")
    result = ResolveResult(target=target.name)
    orders = trust_orders()
    # a write-audit-publish candidate reads and writes its own copies (Target.schema)
    schema, intermediate = target.schema(store.SCHEMA), target.schema("intermediate")
    con = store.connect(target)
    try:
        registry = store.read(con, schema, "key_registry", required=False)
        history_before = store.read(con, schema, "key_history", required=False)
        registries, histories, conflicts = [], [], []

        def keyed(kind: str, prefix: str, clusters: pd.DataFrame, previous_table: str, key: str) -> pd.DataFrame:
            keys = assign_keys(
                kind, prefix, clusters, _previous(con, schema, previous_table, key), registry, run_id, now
            )
            registries.append(keys.registry)
            histories.append(keys.history)
            result.counts[kind] = {"mentions": len(clusters), "entities": int(keys.by_mention.nunique())}
            return clusters.assign(**{key: clusters.mention_id.map(keys.by_mention)})

        # people
        persons = store.read(con, intermediate, "int_person_mentions")
        person_clusters, refused = cluster_people(persons)
        person_clusters = keyed("person", "P", person_clusters, "person_clusters", "person_key")
        persons = persons.merge(person_clusters[["mention_id", "person_key"]], on="mention_id")
        golden = survive(persons, "person_key", orders["person"], valid="id_number_is_valid")
        golden["id_number_is_valid"] = golden.id_number.notna()
        cluster_key = person_clusters.drop_duplicates("cluster").set_index("cluster").person_key
        refused = refused.assign(entity_type="person", entity_key=refused.cluster.map(cluster_key))
        conflicts += [refused, attribute_conflicts(persons, golden).assign(entity_type="person")]

        # houses
        houses = store.read(con, intermediate, "int_house_mentions")
        house_clusters = cluster_houses(houses)
        anchored = keyed("house", "H", key_anchors(house_clusters), "house_clusters", "house_key")
        house_key = anchored.drop_duplicates("cluster").set_index("cluster").house_key
        house_clusters = house_clusters.assign(house_key=house_clusters.cluster.map(house_key))
        result.counts["house"]["mentions"] = len(house_clusters)
        house_golden = golden_houses(houses, house_clusters, orders["house"])

        # legal entities
        entities = store.read(con, intermediate, "int_legal_entity_mentions")
        entity_clusters, refused = cluster_legal_entities(entities)
        entity_clusters = keyed("legal_entity", "L", entity_clusters, "legal_entity_clusters", "legal_entity_key")
        entities = entities.merge(entity_clusters[["mention_id", "legal_entity_key"]], on="mention_id")
        entities["credit_code_is_valid"] = entities.credit_code.notna()
        entity_golden = survive(entities, "legal_entity_key", orders["legal_entity"], valid="credit_code_is_valid")
        cluster_key = entity_clusters.drop_duplicates("cluster").set_index("cluster").legal_entity_key
        conflicts.append(refused.assign(entity_type="legal_entity", entity_key=refused.cluster.map(cluster_key)))

        # matters
        reports = store.read(con, intermediate, "int_event_reports")
        matters = keyed("matter", "M", cluster_matters(reports, **matter_settings()), "matter_clusters", "matter_key")
        matters = matters.rename(columns={"mention_id": "event_key"})

        con.execute("begin")
        store.ensure_schema(con, schema)
        all_conflicts = pd.concat(conflicts, ignore_index=True)
        new_history = pd.concat(histories, ignore_index=True)
        kept = [h for h in (history_before, new_history) if h is not None and len(h)]
        outputs = {
            "person_clusters": person_clusters,
            "person_golden": golden,
            "house_clusters": house_clusters,
            "house_golden": house_golden,
            "legal_entity_clusters": entity_clusters,
            "legal_entity_golden": entity_golden,
            "matter_clusters": matters,
            "conflicts": all_conflicts,
            "key_history": pd.concat(kept, ignore_index=True) if kept else new_history,
            "key_registry": pd.concat(registries, ignore_index=True),
        }
        for table, frame in outputs.items():
            store.write(con, table, frame, table_types(table), schema)
        con.execute("commit")
        result.conflicts = len(all_conflicts)
        result.retired_keys = len(new_history)
    finally:
        con.close()
    result.seconds = time.monotonic() - started
    return result
