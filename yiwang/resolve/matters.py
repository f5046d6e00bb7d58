"""Matters (一事多诉): reports of the same problem through several channels (12345, 数字城管, 综治网格)
become one matter.

Two reports are the same matter when they have the same catalogue category and are close in
space and time together: within an ellipse of `window_hours` and `distance_m` (settings/
matters.yml), (d / distance_m)² + (Δt / window_hours)² ≤ 1, so two reports at the same spot may
be a day or two apart while two reports 40 m apart must come within hours of each other. Where a
report has no coordinates, place is its standard address (yiwang.normalize.address) and the two
must be within the window.

Addresses name one place two ways: by compound (宁辉花园5号楼1单元401室) or by road and number
(康乐路356号5-1-401室). Addresses that give both (康乐路356号宁辉花园…) teach which road number a
compound stands at, per district; an address given by road and number alone is then keyed by
its compound, so both spellings meet. A road number that two compounds claim teaches nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from yiwang.normalize.address import parse_address
from yiwang.resolve.union_find import GuardedUnionFind

EARTH_RADIUS_M = 6_371_000.0
SETTINGS = Path(__file__).parent / "settings" / "matters.yml"


def _distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def matter_settings(path: Path = SETTINGS) -> dict[str, float]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"window_hours": float(doc["window_hours"]), "distance_m": float(doc["distance_m"])}


def _parts_key(*parts: object) -> str | None:
    return "|".join(str(p) for p in parts if p) or None


def place_keys(addresses: pd.Series) -> pd.Series:
    """A standard place key per address: the compound or, when the address names only a road and
    number, the compound learned to stand there; then building, unit and room. The district is
    left out (one report gives it, the next does not); the category and the time window keep two
    compounds of the same name apart. Parsed once per distinct address."""
    distinct = addresses.dropna().unique()
    parsed = {a: parse_address(a) for a in distinct}
    # road + number → compound, learned from addresses that give both (per district)
    seen: dict[tuple, set] = {}
    for p in parsed.values():
        if p.compound and p.road and p.number:
            seen.setdefault((p.district, p.road, p.number), set()).add(p.compound)
            seen.setdefault((None, p.road, p.number), set()).add(p.compound)
    alias = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}

    def key(p) -> str | None:
        compound = p.compound or alias.get((p.district, p.road, p.number)) or alias.get((None, p.road, p.number))
        locator = (compound,) if compound else (p.road, p.number)
        if not any(locator):
            return None
        return _parts_key(*locator, p.building, p.unit, p.room)

    table = {a: key(p) for a, p in parsed.items()}
    return addresses.map(table).astype(object).where(addresses.notna(), None)


def cluster_matters(reports: pd.DataFrame, window_hours: float = 48, distance_m: float = 50) -> pd.DataFrame:
    """(mention_id = event_key, cluster, match_method) per report."""
    r = reports.reset_index(drop=True).copy()
    r["reported_at"] = pd.to_datetime(r.reported_at)
    r["place_key"] = place_keys(r.address)
    uf = GuardedUnionFind([None] * len(r))
    joined = np.zeros(len(r), dtype=bool)
    window = np.timedelta64(int(window_hours * 3600), "s")
    for _, group in r.dropna(subset=["category_code", "reported_at"]).groupby("category_code"):
        group = group.sort_values("reported_at", kind="stable")
        times = group.reported_at.to_numpy()
        rows = group.index.to_numpy()
        lon, lat = group.longitude.to_numpy(float), group.latitude.to_numpy(float)
        keys = group.place_key.to_numpy(dtype=object)
        ends = np.searchsorted(times, times + window, side="right")
        for i in np.flatnonzero(ends > np.arange(len(rows)) + 1):
            js = np.arange(i + 1, ends[i])
            hours = (times[js] - times[i]) / np.timedelta64(1, "h")
            has_xy = ~np.isnan(lon[js]) & ~np.isnan(lat[js]) & ~np.isnan(lon[i]) & ~np.isnan(lat[i])
            near = (_distance_m(lon[i], lat[i], lon[js], lat[js]) / distance_m) ** 2 + (hours / window_hours) ** 2 <= 1
            same_place = (keys[js] == keys[i]) if keys[i] is not None else np.zeros(len(js), dtype=bool)
            for j in js[np.where(has_xy, near, same_place)]:
                uf.union(int(rows[i]), int(rows[j]))
                joined[rows[i]] = joined[rows[j]] = True
    return pd.DataFrame(
        {
            "mention_id": r.event_key,
            "cluster": uf.roots(),
            "match_method": np.where(joined, "same_place_and_time", "singleton"),
        }
    )
