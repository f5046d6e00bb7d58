"""Probabilistic tier of person resolution: RESOLVE-LINKER's Splink 5 linker (yiwang.resolve.link)
scores pairs of person mentions from all their weak evidence together (name and its pinyin,
birth date, phone, address, grid, sex; term frequencies make a common name weaker evidence).
Settings: yiwang/resolve/settings/person.yml. The caller joins the pairs at or above the
threshold through its guarded union-find, so two valid ID numbers are still never merged."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import yaml

from yiwang.resolve.link import LinkSettings, dedupe

SETTINGS = Path(__file__).parent / "settings" / "person.yml"
log = logging.getLogger(__name__)


def person_settings(path: Path = SETTINGS) -> tuple[LinkSettings, int]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return LinkSettings.from_dict(doc, where=str(path), base=path.parent), int(doc.get("min_mentions", 200))


def probable_pairs(mentions: pd.DataFrame, path: Path = SETTINGS) -> pd.DataFrame:
    """(a, b, match_probability): row positions of `mentions` scored at or above the threshold,
    most probable first. Empty when there are fewer mentions than the settings' min_mentions."""
    settings, min_mentions = person_settings(path)
    empty = pd.DataFrame({"a": pd.Series(dtype=int), "b": pd.Series(dtype=int), "match_probability": []})
    if len(mentions) < min_mentions:
        log.info("probabilistic tier skipped: %d mentions (< %d) are too few to train on", len(mentions), min_mentions)
        return empty
    m = mentions.reset_index(drop=True)
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
    pairs = dedupe(frame, settings).pairs
    pairs = pairs[pairs.match_probability >= settings.threshold]
    position = pd.Series(range(len(m)), index=frame.mention_id)
    out = pd.DataFrame(
        {
            "a": pairs.mention_id_l.map(position).to_numpy(),
            "b": pairs.mention_id_r.map(position).to_numpy(),
            "match_probability": pairs.match_probability.to_numpy(),
        }
    )
    return out.sort_values("match_probability", ascending=False, kind="stable").reset_index(drop=True)
