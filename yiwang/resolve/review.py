"""Clerical review of person resolution (人工核验) in the warehouse.

Each run writes the grey-zone pairs it left apart to resolution.person_review and every merge it
made, with its evidence, to resolution.person_merges. A steward exports the queue as a sheet
(`yiwang review export`), writes same / not_same (or 是 / 否) in its `decision` column and
imports it (`yiwang review import`): decisions are kept in the workspace, outside any warehouse
version (review/person_decisions.csv, the latest decision per pair wins), so every later run,
a rebuild and a rollback alike, applies them as must-link / cannot-link constraints.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from yiwang.settings import workspace_dir

DECISION_COLUMNS = ["mention_id_a", "mention_id_b", "decision", "decided_at"]
DECISIONS = {"same": "same", "not_same": "not_same", "是": "same", "否": "not_same", "y": "same", "n": "not_same"}
# the mention's values a steward sees beside each other (int_person_mentions)
SHEET_VALUES = ["source_platform", "person_role", "person_name_as_given", "id_number_as_given", "sex",
                "birth_date", "phone", "address"]  # fmt: skip


class ReviewError(ValueError):
    """A review sheet or decision is wrong; the message says what to fix."""


def decisions_file() -> Path:
    return workspace_dir("review") / "person_decisions.csv"


def read_decisions(path: Path | None = None) -> pd.DataFrame:
    """The latest decision per pair (a pair in either order is one pair)."""
    path = path or decisions_file()
    if not path.is_file():
        return pd.DataFrame(columns=DECISION_COLUMNS)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pair = table[["mention_id_a", "mention_id_b"]].apply(lambda r: "\x1f".join(sorted(r)), axis=1)
    latest = table.assign(_pair=pair).drop_duplicates("_pair", keep="last").drop(columns="_pair")
    latest["decided_at"] = pd.to_datetime(latest.decided_at, errors="coerce")
    return latest.reset_index(drop=True)


def parse_sheet(sheet: pd.DataFrame, where: str) -> pd.DataFrame:
    """The decided rows of a filled-in sheet: id_a, id_b, decision (same / not_same / 是 / 否;
    blank rows are not decided yet)."""
    missing = {"id_a", "id_b", "decision"} - set(sheet.columns)
    if missing:
        raise ReviewError(
            f"{where}: a review sheet needs the columns id_a, id_b and decision; missing {sorted(missing)}"
        )
    given = sheet.decision.fillna("").astype(str).str.strip()
    sheet = sheet[given != ""]
    decision = given[given != ""].str.lower().map(DECISIONS)
    if decision.isna().any():
        bad = given[given != ""][decision.isna()].iloc[0]
        raise ReviewError(f"{where}: decision {bad!r} is not one of same, not_same, 是, 否")
    same_row = sheet.id_a.astype(str) == sheet.id_b.astype(str)
    if same_row.any():
        raise ReviewError(f"{where}: a pair names {sheet.id_a[same_row].iloc[0]!r} twice")
    return pd.DataFrame({"mention_id_a": sheet.id_a.astype(str), "mention_id_b": sheet.id_b.astype(str),
                         "decision": decision})  # fmt: skip


def import_sheet(path: Path) -> int:
    """Append the sheet's decisions to the workspace's decisions; the number imported."""
    from yiwang.resolve.link.files import read_table

    decided = parse_sheet(read_table(path), str(path))
    if decided.empty:
        return 0
    decided["decided_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s").isoformat()
    target = decisions_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    decided[DECISION_COLUMNS].to_csv(target, mode="a", header=not target.is_file(), index=False, encoding="utf-8")
    return len(decided)


def applied(decisions: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """The decisions with `applied`: both mentions are here and the clusters follow the decision
    (a same that would join two valid ID numbers is not applied)."""
    cluster = clusters.set_index("mention_id").cluster
    a, b = decisions.mention_id_a.map(cluster), decisions.mention_id_b.map(cluster)
    follows = (a == b) == (decisions.decision == "same")
    return decisions.assign(applied=(a.notna() & b.notna() & follows).astype(bool))


def sheet(review: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """The review queue as a sheet: every column of `mentions` (keyed by mention_id) for both
    records side by side, and a blank `decision`."""
    values = mentions.set_index("mention_id")
    out = pd.DataFrame({"id_a": review.mention_id_a.to_numpy(), "id_b": review.mention_id_b.to_numpy(),
                        "match_probability": review.match_probability.to_numpy(), "decision": ""})  # fmt: skip
    for column in values.columns:
        out[f"{column}_a"] = review.mention_id_a.map(values[column]).to_numpy()
        out[f"{column}_b"] = review.mention_id_b.map(values[column]).to_numpy()
    return out
