"""`yiwang evaluate`: score entity resolution against the simulator's ground truth (仿真真值).

For each entity type the resolver's clusters (schema `resolution` of the warehouse) are compared
with the true entity of every mention (<sources>/truth/<platform>__<table>.parquet; -1 there means
"no such entity", e.g. a party branch hosted by a community rather than a company): pairwise
precision, recall and F1 (over all pairs of mentions put together) and B-cubed precision and
recall (per mention: how much of its predicted cluster is truly its own, and how much of its
true cluster it found). Mentions whose truth is unknown are left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from yiwang.resolve import store
from yiwang.targets import Target, resolve_target

# mention role → (truth table, truth column) per entity type
PERSON_TRUTH = {
    "resident": ("grid_platform__zz_syrk", "person_id"),
    "owner": ("grid_platform__zz_syfw", "person_id"),
    "party": ("grid_platform__zz_sj", "person_id"),
    "legal_representative": ("grid_platform__zz_dw", "person_id"),
    "grid_worker": ("grid_platform__zz_grid", "person_id"),
    "caller": ("hotline__t_gd_workorder", "person_id"),
    "reporter": ("urban_management__um_case", "person_id"),
    "member": ("party_building__members", "person_id"),
    "household_head": ("party_building__household_contacts", "person_id"),
}
# a third element maps the record's entity on to the house: (table, its key, its house column)
HOUSE_TRUTH = {
    "house": ("grid_platform__zz_syfw", "house_id"),
    "residence": ("grid_platform__zz_syrk", "house_id"),
    "member_residence": ("party_building__members", "person_id", ("persons", "person_id", "house_id")),
    "household": ("party_building__household_contacts", "household_id", ("households", "household_id", "house_id")),
}
ENTITY_TRUTH = {
    "organisation": ("grid_platform__zz_dw", "org_id"),
    "host_organisation": ("party_building__organisations", "org_id"),
}
EVENT_TABLES = {
    "urban_management": "urban_management__um_case",
    "hotline": "hotline__t_gd_workorder",
    "grid_platform": "grid_platform__zz_sj",
}


@dataclass(frozen=True)
class Score:
    entity_type: str
    mentions: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float

    def as_row(self) -> dict[str, object]:
        return self.__dict__.copy()


def _pairs(sizes: pd.Series) -> float:
    return float((sizes * (sizes - 1) / 2).sum())


def score(entity_type: str, predicted: pd.Series, truth: pd.Series) -> Score:
    """`predicted` and `truth`: cluster labels aligned on the same mentions."""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()}).dropna()
    both = frame.groupby(["p", "t"]).size()
    p_sizes, t_sizes = frame.groupby("p").size(), frame.groupby("t").size()
    tp, pp, tt = _pairs(both), _pairs(p_sizes), _pairs(t_sizes)
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    cell = frame.set_index(["p", "t"]).index.map(both).to_numpy(dtype=float)
    bp = (cell / frame.p.map(p_sizes).to_numpy()).mean() if len(frame) else 1.0
    br = (cell / frame.t.map(t_sizes).to_numpy()).mean() if len(frame) else 1.0
    return Score(entity_type, len(frame), precision, recall, f1, float(bp), float(br))


def _truth_for(mentions: pd.DataFrame, truth_dir: Path, mapping: dict[str, tuple]) -> pd.Series:
    """True entity id per mention (by its role's truth table, and its hop when it has one), NaN when unknown."""
    out = pd.Series(index=mentions.index, dtype=object)
    for role, (table, column, *via) in mapping.items():
        path = truth_dir / f"{table}.parquet"
        rows = mentions.role == role
        if not rows.any() or not path.is_file():
            continue
        truth = pd.read_parquet(path, columns=["source_key", column]).dropna()
        truth = truth[truth[column] >= 0]  # -1: the record names no such entity (a community hosts the branch)
        truth = truth.drop_duplicates("source_key").set_index(truth.source_key.astype(str))[column]
        if via:  # e.g. a household contact's household → the household's house
            via_table, via_key, via_column = via[0]
            hop = pd.read_parquet(truth_dir / f"{via_table}.parquet", columns=[via_key, via_column]).dropna()
            hop = hop[hop[via_column] >= 0].drop_duplicates(via_key).set_index(via_key)[via_column]
            truth = truth.map(hop).dropna()
        out[rows] = mentions.loc[rows, "source_key"].map(truth)
    return out


def _split(mention_ids: pd.Series) -> pd.DataFrame:
    parts = mention_ids.str.extract(r"^(?P<platform>[^/]*)/(?P<table>[^/]*)/(?P<source_key>.*)/(?P<role>[^/]*)$")
    return parts


def evaluate(sources: Path, target: Target | str = "duckdb") -> list[Score]:
    target = resolve_target(target) if isinstance(target, str) else target
    truth_dir = Path(sources) / "truth"
    if not truth_dir.is_dir():
        raise FileNotFoundError(f"{truth_dir} does not exist: evaluate needs the simulator's ground truth")
    con = store.connect(target)
    try:
        tables = {
            name: store.read(con, store.SCHEMA, name)
            for name in ("person_clusters", "house_clusters", "legal_entity_clusters", "matter_clusters")
        }
    finally:
        con.close()
    scores = []
    for kind, table, key, mapping in (
        ("person", "person_clusters", "person_key", PERSON_TRUTH),
        ("house", "house_clusters", "house_key", HOUSE_TRUTH),
        ("legal_entity", "legal_entity_clusters", "legal_entity_key", ENTITY_TRUTH),
    ):
        clusters = tables[table]
        mentions = _split(clusters.mention_id)
        truth = _truth_for(mentions, truth_dir, mapping)
        scores.append(score(kind, clusters[key], truth))
    matters = tables["matter_clusters"]
    truth_by_event = {}
    for platform, table in EVENT_TABLES.items():
        frame = pd.read_parquet(truth_dir / f"{table}.parquet", columns=["source_key", "matter_id"]).dropna()
        for source_key, matter in zip(frame.source_key.astype(str), frame.matter_id, strict=True):
            event_key = hashlib.md5(f"{platform}/{source_key}".encode()).hexdigest()
            truth_by_event[event_key] = matter
    scores.append(score("matter", matters.matter_key, matters.event_key.map(truth_by_event)))
    return scores


BASELINE_SETTINGS = Path(__file__).parent / "settings" / "baseline_person.yml"


def baseline_person_score(sources: Path, target: Target | str = "duckdb") -> Score:
    """The yardstick: a plain Splink dedupe of the same person mentions (settings/baseline_person.yml:
    standard comparisons on the values as typed, no Chinese-specific handling), scored the same way."""
    from yiwang.resolve.link import LinkSettings, dedupe

    target = resolve_target(target) if isinstance(target, str) else target
    con = store.connect(target)
    try:
        mentions = con.execute(
            f"select mention_id, person_name, id_number_as_given as id_number, birth_date, phone, address, grid_code "  # noqa: S608
            f"from {store.ALIAS}.intermediate.int_person_mentions"
        ).df()
    finally:
        con.close()
    result = dedupe(mentions, LinkSettings.from_yaml(BASELINE_SETTINGS), baseline=True)
    clusters = result.clusters.set_index("mention_id").cluster_id.reindex(mentions.mention_id.astype(str))
    truth = _truth_for(_split(mentions.mention_id), Path(sources) / "truth", PERSON_TRUTH)
    return score("person (plain Splink)", pd.Series(clusters.to_numpy()), truth.reset_index(drop=True))
