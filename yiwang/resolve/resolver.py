"""`resolve(target)`: the entity-resolution step of a warehouse build (see the package docstring)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pandas as pd

from yiwang.contracts import resolution_tables
from yiwang.resolve import incremental, probabilistic, store
from yiwang.resolve.entity_types import ENTITY_TYPES, EntityType
from yiwang.resolve.golden import trust_orders
from yiwang.resolve.keys import Keys, assign_keys
from yiwang.targets import Target, resolve_target
from yiwang.types import TYPES

# DuckDB types of the logical types of schemas/resolution (the tables this step writes)
SQL_TYPES = {name: t.warehouse["duckdb"] for name, t in TYPES.items()}
# the state incremental resolution keeps between runs, and what a run touched
STATE_TABLE, BLOCKS_TABLE, TOUCHED_TABLE = "mention_state", "mention_blocking_keys", "touched_keys"
MODELS_TABLE = "link_models"
MODEL_COLUMNS = ["entity_type", "model_json", "settings_version", "run_id", "trained_mentions", "mentions_since"]


def table_types(table: str) -> dict[str, str]:
    """Column → SQL type of resolution.<table>, in the order of schemas/resolution/<table>.yml."""
    return {c.name: SQL_TYPES[c.type] for c in resolution_tables()[table].columns}


@dataclass
class ResolveResult:
    """What one resolution run did: mentions in, entities out, per entity type."""

    target: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)  # per entity type: full or incremental
    conflicts: int = 0
    retired_keys: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> dict[str, object]:
        out: dict[str, object] = {
            kind: f"{c['mentions']:,} mentions → {c['entities']:,} ({self.modes.get(kind, 'full')}: "
            f"{c.get('reclustered', c['mentions']):,} re-clustered)"
            for kind, c in self.counts.items()
        }
        return out | {"conflicts": self.conflicts, "retired keys": self.retired_keys}


def _previous(con, schema: str, spec: EntityType) -> pd.DataFrame | None:
    """The last run's clusters table (mention_id, ..., key), if any."""
    frame = store.read(con, schema, spec.clusters_table, required=False)
    if frame is None:
        return None
    return frame.rename(columns={spec.mention_column: "mention_id"})


@dataclass
class _State:
    """What the last run persisted for incremental resolution (resolution.mention_state,
    resolution.mention_blocking_keys), all entity types."""

    fingerprints: pd.DataFrame | None
    blocks: pd.DataFrame | None
    models: pd.DataFrame | None

    def model(self, spec: EntityType) -> pd.DataFrame:
        """The last full run's trained Splink model row of `spec` (none when it trained none)."""
        if self.models is None:
            return pd.DataFrame(columns=MODEL_COLUMNS)
        return self.models[self.models.entity_type == spec.name]

    def of(self, spec: EntityType) -> tuple[pd.Series, pd.DataFrame] | None:
        """(mention_id → fingerprint, blocking keys) of `spec`, None when missing or made by
        another settings/code version (then the run re-clusters everything)."""
        if self.fingerprints is None or self.blocks is None:
            return None
        rows = self.fingerprints[self.fingerprints.entity_type == spec.name]
        if rows.empty or (rows.settings_version != incremental.settings_version()).any():
            return None
        blocks = self.blocks[self.blocks.entity_type == spec.name][["mention_id", "blocking_key"]]
        return pd.Series(rows.fingerprint.to_numpy(), index=rows.mention_id.to_numpy()), blocks


@dataclass
class _Resolved:
    clusters: pd.DataFrame  # mention_id, cluster (str), the clusters table's columns
    anchors: pd.DataFrame
    refused: pd.DataFrame | None
    reclustered: set[str] | None  # the mentions clustered this run; None: all
    changed: set[str]  # new and changed mentions (vs the last run's fingerprints)
    closed: bool = True
    trained: list[dict] = field(default_factory=list)  # Splink models a full run trained
    pairs: dict[str, pd.DataFrame] = field(default_factory=dict)  # mention-pair tables of the clustered mentions


def _cluster(
    spec: EntityType,
    mentions: pd.DataFrame,
    previous: pd.DataFrame | None,
    state: tuple[pd.Series, pd.DataFrame] | None,
    fingerprints: pd.Series,
    blocks: pd.DataFrame,
    model: dict | None,
) -> _Resolved:
    """Cluster all mentions (no usable state) or only the affected ones (incremental.py)."""
    ids = spec.mention_column
    if previous is None or state is None:
        with probabilistic.scoring_with(None) as trained:
            c = spec.cluster(mentions)
        clusters = c.clusters.assign(cluster="n:" + c.clusters.cluster.astype(str))
        anchors = c.anchors.assign(cluster="n:" + c.anchors.cluster.astype(str)) if c.anchors is not None else clusters
        changed = set(fingerprints.index)
        if state is not None:
            found = incremental.diff(fingerprints, state[0])
            changed = found.new | found.changed
        refused = c.refused.assign(cluster="n:" + c.refused.cluster.astype(str)) if c.refused is not None else None
        return _Resolved(clusters, anchors, refused, None, changed, trained=trained, pairs=c.pairs or {})
    found = incremental.diff(fingerprints, state[0])
    before = state[1][state[1].mention_id.isin(found.changed | found.deleted)]
    reach = pd.concat([blocks, before], ignore_index=True).drop_duplicates()
    affected, closed = incremental.affected_mentions(
        found.seeds,
        reach,
        previous[["mention_id", spec.key]].rename(columns={spec.key: "key"}),
        incremental.incremental_settings().rounds_for(spec.name),
    )
    subset = mentions[mentions[ids].isin(affected)]
    kept = previous[~previous.mention_id.isin(affected)]
    kept = kept.assign(cluster="k:" + kept[spec.key].astype(str)).drop(columns=[spec.key])
    pairs: dict[str, pd.DataFrame] = {}
    if subset.empty:
        c_clusters, c_anchors, refused = kept.iloc[:0], kept.iloc[:0], None
    else:
        with probabilistic.scoring_with(model):
            c = spec.cluster(subset)
        c_clusters = c.clusters.assign(cluster="n:" + c.clusters.cluster.astype(str))
        c_anchors = (
            c.anchors.assign(cluster="n:" + c.anchors.cluster.astype(str)) if c.anchors is not None else c_clusters
        )
        refused = c.refused.assign(cluster="n:" + c.refused.cluster.astype(str)) if c.refused is not None else None
        pairs = c.pairs or {}
    clusters = pd.concat([kept, c_clusters], ignore_index=True)
    kept_anchors = spec.key_anchors(kept) if spec.key_anchors is not None else kept
    anchors = pd.concat([kept_anchors, c_anchors], ignore_index=True)
    reclustered = set(subset[ids])
    return _Resolved(clusters, anchors, refused, reclustered, found.new | found.changed, closed, pairs=pairs)


def _pair_tables(con, schema: str, done: _Resolved) -> dict[str, pd.DataFrame]:
    """The mention-pair tables (merges, review queue) of this run: all of a full run's; for an
    incremental one the last run's pairs among mentions it did not re-cluster, with the new ones."""
    if done.reclustered is None:
        return dict(done.pairs)
    out = {}
    for table, fresh in done.pairs.items():
        before = store.read(con, schema, table, required=False)
        if before is not None and len(before):
            untouched = ~before.mention_id_a.isin(done.reclustered) & ~before.mention_id_b.isin(done.reclustered)
            fresh = pd.concat([before[untouched], fresh], ignore_index=True)
        out[table] = fresh
    return out


def _keep_untouched(previous: pd.DataFrame | None, fresh: pd.DataFrame, key: str, kept_keys: set[str]) -> pd.DataFrame:
    """The last run's rows (golden records, conflicts) of the keys not re-decided, with this run's rows."""
    if previous is None or not kept_keys:
        return fresh
    old = previous[previous[key].isin(kept_keys)]
    return pd.concat([old, fresh], ignore_index=True) if len(old) else fresh


def resolve(target: Target | str = "duckdb", run_id: str | None = None, full_refresh: bool = False) -> ResolveResult:
    """Cluster the mentions of the warehouse's intermediate layer and write schema `resolution`.

    Incremental by default: with the last run's state (same settings and code version) only the
    clusters that new, changed and deleted mentions reach are re-decided (yiwang/resolve/
    incremental.py); `full_refresh` re-clusters every mention."""
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
        conflicts_before = store.read(con, schema, "conflicts", required=False)
        state = _State(
            None if full_refresh else store.read(con, schema, STATE_TABLE, required=False),
            None if full_refresh else store.read(con, schema, BLOCKS_TABLE, required=False),
            None if full_refresh else store.read(con, schema, MODELS_TABLE, required=False),
        )
        outputs: dict[str, pd.DataFrame] = {}
        registries, histories, conflicts, states, blocks_out, touched, models = [], [], [], [], [], [], []
        for spec in ENTITY_TYPES:
            mentions = store.read(con, intermediate, spec.mentions)
            ids = spec.mention_column
            fingerprints = incremental.fingerprints(mentions, ids)
            blocks = (
                spec.blocking(mentions)
                if spec.blocking is not None
                else pd.DataFrame(columns=["mention_id", "blocking_key"])
            )
            previous = _previous(con, schema, spec)
            spec_state, saved = state.of(spec), state.model(spec)
            if spec.name not in incremental.incremental_settings().types:
                spec_state = None  # this type re-clusters in full (settings/incremental.yml `types`)
            drift = 0
            if spec_state is not None and len(saved):
                # the scored tier's model ages: retrain (re-cluster all) once enough has changed since
                drift = int(saved.mentions_since.iloc[0]) + len(incremental.diff(fingerprints, spec_state[0]).seeds)
                if drift > incremental.incremental_settings().retrain_share * int(saved.trained_mentions.iloc[0]):
                    spec_state = None
            model = json.loads(saved.model_json.iloc[0]) if spec_state is not None and len(saved) else None
            done = _cluster(spec, mentions, previous, spec_state, fingerprints, blocks, model)
            if done.reclustered is None:
                saved = pd.DataFrame(
                    [
                        {
                            "entity_type": spec.name,
                            "model_json": json.dumps(trained, ensure_ascii=False),
                            "settings_version": incremental.settings_version(),
                            "run_id": run_id,
                            "trained_mentions": len(mentions),
                            "mentions_since": 0,
                        }
                        for trained in done.trained[-1:]
                    ],
                    columns=MODEL_COLUMNS,
                )
            else:
                saved = saved.assign(mentions_since=drift)
            models.append(saved)
            clusters, anchors = done.clusters, done.anchors
            prev_keys = previous[["mention_id", spec.key]] if previous is not None else None
            keys = assign_keys(spec.name, spec.key_prefix, anchors, prev_keys, registry, run_id, now)
            registries.append(keys.registry)
            histories.append(keys.history)
            by_cluster = anchors.assign(key=anchors.mention_id.map(keys.by_mention)).drop_duplicates("cluster")
            by_cluster = by_cluster.set_index("cluster")["key"]
            clusters = clusters.assign(**{spec.key: clusters.cluster.map(by_cluster)})
            result.counts[spec.name] = {
                "mentions": len(clusters),
                "entities": int(clusters[spec.key].nunique()),
                "reclustered": len(clusters) if done.reclustered is None else len(done.reclustered),
            }
            result.modes[spec.name] = (
                "full" if done.reclustered is None else ("incremental" if done.closed else "incremental (bounded)")
            )
            fresh_rows = clusters if done.reclustered is None else clusters[clusters.mention_id.isin(done.reclustered)]
            fresh_keys = set(fresh_rows[spec.key])
            kept_keys = set(clusters[spec.key]) - fresh_keys
            old_conflicts = (
                conflicts_before[conflicts_before.entity_type == spec.name] if conflicts_before is not None else None
            )
            kept_conflicts = _keep_untouched(old_conflicts, pd.DataFrame(), "entity_key", kept_keys)
            if len(kept_conflicts):
                conflicts.append(kept_conflicts)
            if done.refused is not None:
                refused = done.refused
                conflicts.append(refused.assign(entity_type=spec.name, entity_key=refused.cluster.map(by_cluster)))
            outputs[spec.clusters_table] = clusters.drop(columns="cluster").rename(columns={"mention_id": ids})
            outputs |= _pair_tables(con, schema, done)
            if spec.finished is not None:
                outputs |= spec.finished(clusters[["mention_id", "cluster"]])
            if spec.golden is not None:
                touched_mentions = mentions[mentions[ids].isin(fresh_rows.mention_id)]
                golden = spec.golden(touched_mentions, fresh_rows, orders.get(spec.name, {}))
                golden_before = store.read(con, schema, spec.golden_table, required=False)
                outputs[spec.golden_table] = _keep_untouched(golden_before, golden.records, spec.key, kept_keys)
                if golden.conflicts is not None:
                    conflicts.append(golden.conflicts.assign(entity_type=spec.name))
            states.append(
                pd.DataFrame(
                    {
                        "entity_type": spec.name,
                        "mention_id": fingerprints.index,
                        "fingerprint": fingerprints.to_numpy(),
                        "settings_version": incremental.settings_version(),
                        "run_id": run_id,
                    }
                )
            )
            blocks_out.append(blocks.assign(entity_type=spec.name))
            touched.append(
                touched_keys(spec.name, prev_keys, clusters[["mention_id", spec.key]], done.changed, keys, run_id)
            )

        con.execute("begin")
        store.ensure_schema(con, schema)
        all_conflicts = pd.concat(conflicts, ignore_index=True)
        new_history = pd.concat(histories, ignore_index=True)
        kept = [h for h in (history_before, new_history) if h is not None and len(h)]
        outputs |= {
            "conflicts": all_conflicts,
            "key_history": pd.concat(kept, ignore_index=True) if kept else new_history,
            "key_registry": pd.concat(registries, ignore_index=True),
            STATE_TABLE: pd.concat(states, ignore_index=True),
            BLOCKS_TABLE: pd.concat(blocks_out, ignore_index=True),
            TOUCHED_TABLE: pd.concat(touched, ignore_index=True).assign(run_id=run_id),
            MODELS_TABLE: pd.concat(models, ignore_index=True),
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


def touched_keys(
    entity_type: str,
    previous: pd.DataFrame | None,
    current: pd.DataFrame,
    changed: set[str],
    keys: Keys,
    run_id: str,
) -> pd.DataFrame:
    """The keys this run touched (resolution.touched_keys): new (made this run), split (kept, but
    some of its mentions went to another key), changed (other mentions, or a mention of it
    changed), merged and gone (retired: key_history). Untouched keys are not listed."""
    key = current.columns[1]
    now = current.rename(columns={key: "key"})
    alive = set(now.key)
    created = set(keys.registry.entity_key[keys.registry.created_run_id == run_id])
    rows: dict[str, str] = {}
    if previous is not None and len(previous):
        before = previous.rename(columns={previous.columns[1]: "key_before"})
        joined = now.merge(before, on="mention_id", how="outer")
        moved = joined[joined.key.ne(joined.key_before) | joined.key.isna() | joined.key_before.isna()]
        for k in set(moved.key.dropna()) | (set(moved.key_before.dropna()) & alive):
            rows[k] = "changed"
        left = moved[moved.key.notna() & moved.key_before.notna()]
        for k in set(left.key_before) & alive:
            rows[k] = "split"
    for k in set(now.key[now.mention_id.isin(changed)]):
        rows.setdefault(k, "changed")
    for k in created:
        rows[k] = "new"
    for k, reason in zip(keys.history.retired_key, keys.history.reason, strict=True):
        rows[k] = reason
    return pd.DataFrame(
        {"entity_type": entity_type, "entity_key": list(rows), "change": list(rows.values())},
        columns=["entity_type", "entity_key", "change"],
    ).sort_values("entity_key", ignore_index=True)
