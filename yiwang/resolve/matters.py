"""Matters (一事多诉): reports of the same problem through several channels (12345, 数字城管, 综治网格)
become one matter. Two reports are the same matter when they have the same catalogue category,
were reported within `window_hours` of each other and happened at the same place: within
`distance_m` metres where both have coordinates (settings/matters.yml), else the same standard address key. Chains are
cut at the window: a report joins a matter only through a report inside its own window.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from yiwang.normalize.address import address_key
from yiwang.resolve.union_find import GuardedUnionFind

EARTH_RADIUS_M = 6_371_000.0


def _distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


SETTINGS = Path(__file__).parent / "settings" / "matters.yml"


def matter_settings(path: Path = SETTINGS) -> dict[str, float]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"window_hours": float(doc["window_hours"]), "distance_m": float(doc["distance_m"])}


def cluster_matters(reports: pd.DataFrame, window_hours: float = 48, distance_m: float = 50) -> pd.DataFrame:
    """(mention_id = event_key, cluster, match_method) per report."""
    r = reports.reset_index(drop=True).copy()
    r["reported_at"] = pd.to_datetime(r.reported_at)
    r["address_key"] = r.address.map(address_key)
    uf = GuardedUnionFind([None] * len(r))
    joined = np.zeros(len(r), dtype=bool)
    window = pd.Timedelta(hours=window_hours)
    for _, group in r.dropna(subset=["category_code", "reported_at"]).groupby("category_code"):
        group = group.sort_values("reported_at")
        times = group.reported_at.to_numpy()
        rows = group.index.to_numpy()
        lon, lat, keys = group.longitude.to_numpy(float), group.latitude.to_numpy(float), group.address_key.to_numpy()
        for i in range(len(rows)):
            j_end = np.searchsorted(times, times[i] + window, side="right")
            if j_end <= i + 1:
                continue
            js = np.arange(i + 1, j_end)
            near = _distance_m(lon[i], lat[i], lon[js], lat[js]) <= distance_m
            has_xy = ~np.isnan(lon[js]) & ~np.isnan(lat[js]) & ~np.isnan(lon[i]) & ~np.isnan(lat[i])
            same_address = np.array([keys[i] is not None and keys[i] == keys[j] for j in js], dtype=bool)
            for j in js[np.where(has_xy, near, same_address)]:
                uf.union(int(rows[i]), int(rows[j]))
                joined[rows[i]] = joined[rows[j]] = True
    return pd.DataFrame(
        {
            "mention_id": r.event_key,
            "cluster": uf.roots(),
            "match_method": np.where(joined, "same_place_and_time", "singleton"),
        }
    )
