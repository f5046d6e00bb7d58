"""`resolve(target)`: the entity-resolution step of a warehouse build (see the package docstring)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from yiwang.contracts import resolution_tables
from yiwang.resolve import store
from yiwang.resolve.entity_types import ENTITY_TYPES, EntityType
from yiwang.resolve.golden import trust_orders
from yiwang.resolve.keys import assign_keys
from yiwang.targets import Target, resolve_target
from yiwang.types import TYPES

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


def _previous(con, schema: str, spec: EntityType) -> pd.DataFrame | None:
    """mention_id → key of the last run's clusters table, if any."""
    frame = store.read(con, schema, spec.clusters_table, required=False)
    if frame is None:
        return None
    return frame.rename(columns={spec.mention_column: "mention_id"})[["mention_id", spec.key]]


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
        outputs: dict[str, pd.DataFrame] = {}
        registries, histories, conflicts = [], [], []
        for spec in ENTITY_TYPES:
            mentions = store.read(con, intermediate, spec.mentions)
            clustering = spec.cluster(mentions)
            clusters = clustering.clusters
            anchors = clustering.anchors if clustering.anchors is not None else clusters
            keys = assign_keys(spec.name, spec.key_prefix, anchors, _previous(con, schema, spec), registry, run_id, now)
            registries.append(keys.registry)
            histories.append(keys.history)
            result.counts[spec.name] = {"mentions": len(clusters), "entities": int(keys.by_mention.nunique())}
            by_cluster = anchors.assign(key=anchors.mention_id.map(keys.by_mention)).drop_duplicates("cluster")
            by_cluster = by_cluster.set_index("cluster")["key"]
            clusters = clusters.assign(**{spec.key: clusters.cluster.map(by_cluster)})
            if clustering.refused is not None:
                refused = clustering.refused
                conflicts.append(refused.assign(entity_type=spec.name, entity_key=refused.cluster.map(by_cluster)))
            outputs[spec.clusters_table] = clusters.rename(columns={"mention_id": spec.mention_column})
            if spec.golden is not None:
                golden = spec.golden(mentions, clusters, orders.get(spec.name, {}))
                outputs[spec.golden_table] = golden.records
                if golden.conflicts is not None:
                    conflicts.append(golden.conflicts.assign(entity_type=spec.name))

        con.execute("begin")
        store.ensure_schema(con, schema)
        all_conflicts = pd.concat(conflicts, ignore_index=True)
        new_history = pd.concat(histories, ignore_index=True)
        kept = [h for h in (history_before, new_history) if h is not None and len(h)]
        outputs |= {
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
