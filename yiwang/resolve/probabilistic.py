"""Probabilistic tier of person resolution: the Splink 5 linker (yiwang.resolve.link)
scores pairs of person mentions from all their weak evidence together (name and its pinyin,
birth date, phone, address, grid, sex; term frequencies make a common name weaker evidence).
Settings: yiwang/resolve/settings/person.yml. The caller joins the pairs at or above the
threshold through its guarded union-find, so two valid ID numbers are still never merged."""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from yiwang.resolve.link import LinkSettings, dedupe

SETTINGS = Path(__file__).parent / "settings" / "person.yml"
log = logging.getLogger(__name__)
# incremental resolution scores the mentions it re-clusters with the model the last full run
# trained (a model trained on a few hundred affected rows would not be the full run's)
_MODEL: ContextVar[dict | None] = ContextVar("person_link_model", default=None)
_TRAINED: ContextVar[list[dict] | None] = ContextVar("person_link_trained", default=None)


@contextmanager
def scoring_with(model: dict | None) -> Iterator[list[dict]]:
    """Within the block probable_pairs scores with `model` (a saved Splink model) instead of
    training one, whatever the number of rows; the models it trains (model None) are collected
    in the list yielded."""
    trained: list[dict] = []
    tokens = _MODEL.set(model), _TRAINED.set(trained)
    try:
        yield trained
    finally:
        _MODEL.reset(tokens[0])
        _TRAINED.reset(tokens[1])


def person_settings(path: Path = SETTINGS) -> tuple[LinkSettings, int]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return LinkSettings.from_dict(doc, where=str(path), base=path.parent), int(doc.get("min_mentions", 200))


def _candidates(frame: pd.DataFrame, roots: np.ndarray, blocking) -> np.ndarray:
    """Row positions worth scoring: the rows of clusters that hold no valid ID number (what the
    rules left unresolved), and the rows that share a blocking key with one of them; within one
    cluster, rows with the same compared values are scored once (their cluster joins anyway)."""
    open_cluster = pd.Series(frame.id_number.isna().to_numpy()).groupby(roots).transform("all").to_numpy()
    keep = open_cluster.copy()
    for rule in blocking:
        columns = list(rule)
        keys = frame[columns].notna().all(axis=1).to_numpy()
        sought = frame.loc[open_cluster & keys, columns].drop_duplicates()
        if sought.empty:
            continue
        hit = frame.loc[keys, columns].merge(sought.assign(_hit=True), on=columns, how="left")._hit.fillna(False)
        keep[np.flatnonzero(keys)[hit.to_numpy(dtype=bool)]] = True
    compared = [c for c in frame.columns if c != "mention_id"]
    chosen = frame.loc[keep, compared].assign(_root=roots[keep])
    return np.flatnonzero(keep)[~chosen.duplicated().to_numpy()]


def probable_pairs(
    mentions: pd.DataFrame, roots: np.ndarray | None = None, path: Path = SETTINGS, floor: float | None = None
) -> pd.DataFrame:
    """(a, b, match_probability): row positions of `mentions` scored at or above the threshold
    (or at or above `floor`: a caller's own threshold, or the grey zone a steward reviews), most
    probable first. `roots`:
    each row's cluster after the deterministic rules (default: every row its own), so only what
    they left open is scored. Empty when fewer than the settings' min_mentions rows are left."""
    settings, min_mentions = person_settings(path)
    empty = pd.DataFrame({"a": pd.Series(dtype=int), "b": pd.Series(dtype=int), "match_probability": []})
    m = mentions.reset_index(drop=True)
    model = _MODEL.get()
    if model is not None:
        min_mentions = 2  # nothing to train: any two rows can be scored
    if len(m) < min_mentions:
        log.info("probabilistic tier skipped: %d mentions (< %d) are too few to train on", len(m), min_mentions)
        return empty
    roots = np.arange(len(m)) if roots is None else np.asarray(roots)
    frame = pd.DataFrame(
        {
            "mention_id": m.mention_id.astype(str),
            "person_name": m.person_name,
            "id_number": m.id_number.where(m.id_number_is_valid.fillna(False).astype(bool)),
            "birth_date": pd.to_datetime(m.birth_date, errors="coerce").dt.strftime("%Y-%m-%d"),
            "phone": m.phone,
            "address": m.address,
            "grid_code": m.grid_code,
            "sex": m.sex,
        }
    )
    rows = _candidates(frame, roots, settings.blocking)
    if len(rows) < min_mentions:
        log.info("probabilistic tier skipped: %d rows to score (< %d) are too few to train on", len(rows), min_mentions)
        return empty
    settings = dataclasses.replace(settings, review_from=floor)
    pairs = _scored(frame.iloc[rows].reset_index(drop=True), settings, model)
    pairs = pairs[pairs.match_probability >= (settings.threshold if floor is None else floor)]
    position = pd.Series(rows, index=frame.mention_id.iloc[rows].to_numpy())
    out = pd.DataFrame(
        {
            "a": pairs.mention_id_l.map(position).to_numpy(),
            "b": pairs.mention_id_r.map(position).to_numpy(),
            "match_probability": pairs.match_probability.to_numpy(),
        }
    )
    # strongest first; ties in row order, so the same input always merges in the same order
    order = out.sort_values(["match_probability", "a", "b"], ascending=[False, True, True], kind="stable")
    return order.reset_index(drop=True)


def _scored(frame: pd.DataFrame, settings: LinkSettings, model: dict | None) -> pd.DataFrame:
    if model is None:
        result = dedupe(frame, settings)
        trained = _TRAINED.get()
        if trained is not None:
            trained.append(result.model)
        return result.pairs
    with tempfile.TemporaryDirectory(prefix="yiwang-link-model-") as folder:
        path = Path(folder) / "model.json"
        path.write_text(json.dumps(model), encoding="utf-8")
        return dedupe(frame, dataclasses.replace(settings, model=path)).pairs
