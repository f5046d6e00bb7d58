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

import re
from pathlib import Path

import numpy as np
import pandas as pd

from yiwang.normalize.address import parse_address
from yiwang.resolve.config import SETTINGS_DIR, read_settings
from yiwang.resolve.union_find import GuardedUnionFind

EARTH_RADIUS_M = 6_371_000.0
SETTINGS = SETTINGS_DIR / "matters.yml"


def _distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def matter_settings(path: Path = SETTINGS) -> dict[str, float]:
    doc = read_settings(path)
    return {"window_hours": float(doc["window_hours"]), "distance_m": float(doc["distance_m"])}


def _parts_key(*parts: object) -> str | None:
    return "|".join(str(p) for p in parts if p) or None


BARE_GROUP = re.compile(r"^[0-9一二三四五六七八九十]+(组|队)$")  # 2组: every village has one
LEVEL = re.compile(r"(自治县|街道|社区|居委会|村委会|区|县|市|镇|乡|村)$")


def _division(name: object) -> str | None:
    """A division's name without its level word (嵊州市 → 嵊州, 安荷村 → 安荷), for comparing."""
    return (LEVEL.sub("", name) or name) if isinstance(name, str) and name else None


def places(addresses: pd.Series) -> pd.DataFrame:
    """Per address: `key` (the compound, the village with its group and number, or the road and
    number — an address naming only a road and number is keyed by the compound the other
    addresses place there — then building, unit and room), `named` (the key holds a name, not
    just numbers such as 2组14号) and the divisions it states (district, street, community),
    to tell two places with one key apart. Parsed once per distinct address."""
    distinct = addresses.dropna().unique()
    parsed = {a: parse_address(a) for a in distinct}
    # road + number → compound, learned from addresses that give both, within a district
    seen: dict[tuple, set] = {}
    for p in parsed.values():
        if p.compound and p.road and p.number and not BARE_GROUP.match(p.compound):
            seen.setdefault((_division(p.district), p.road, p.number), set()).add(p.compound)
    alias = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}

    def place(p) -> tuple:
        compound = p.compound if p.compound and not BARE_GROUP.match(p.compound) else None
        compound = compound or alias.get((_division(p.district), p.road, p.number))
        group = p.group or (p.compound if p.compound and BARE_GROUP.match(p.compound) else None)
        if compound:
            locator, named = (compound,), True
        elif p.community and (group or p.number):
            locator, named = ("v", p.community, group, p.number), True
        elif p.road:
            locator, named = (p.road, p.number), True
        else:
            locator, named = (group, p.number), False
        key = (
            _parts_key(*locator, p.building, p.unit, p.room)
            if any(locator[1:] if locator[0] == "v" else locator)
            else None
        )
        return key, named, _division(p.district), _division(p.street), _division(p.community)

    table = {a: place(p) for a, p in parsed.items()}
    columns = ["key", "named", "district", "street", "community"]
    rows = [
        table.get(a, (None, False, None, None, None)) if isinstance(a, str) else (None, False, None, None, None)
        for a in addresses
    ]
    return pd.DataFrame(rows, columns=columns, index=addresses.index)


def place_keys(addresses: pd.Series) -> pd.Series:
    """The place key of each address (see places())."""
    return places(addresses).key


def cluster_matters(reports: pd.DataFrame, window_hours: float = 48, distance_m: float = 50) -> pd.DataFrame:
    """(mention_id = event_key, cluster, match_method) per report. A matter's reports all lie
    within one window: a merge that would make it span more than `window_hours` is vetoed, so a
    place with a problem every day does not chain its reports into one matter."""
    r = reports.sort_values("event_key", kind="stable").reset_index(drop=True).copy()
    r["reported_at"] = pd.to_datetime(r.reported_at)
    place = places(r.address)
    # the divisions as written (district, street, community); not the grid codes, whose formats
    # differ by platform (数字城管's 16-digit unit grids, 综治网格's 15-digit grids)
    scopes = [place[c].to_numpy(dtype=object) for c in ("district", "street", "community")]
    named = place.named.to_numpy(dtype=bool)
    at = r.reported_at.to_numpy()
    span = np.timedelta64(int(window_hours * 3600), "s")

    def too_long(a: list[int], b: list[int]) -> str | None:
        times = at[a + b]
        return "span" if times.max() - times.min() > span else None

    uf = GuardedUnionFind([None] * len(r))
    joined = np.zeros(len(r), dtype=bool)
    window = span
    for _, group in r.dropna(subset=["category_code", "reported_at"]).groupby("category_code"):
        group = group.sort_values(["reported_at", "event_key"], kind="stable")
        times = group.reported_at.to_numpy()
        rows = group.index.to_numpy()
        lon, lat = group.longitude.to_numpy(float), group.latitude.to_numpy(float)
        keys = place.key.to_numpy(dtype=object)[rows]
        ends = np.searchsorted(times, times + window, side="right")
        for i in np.flatnonzero(ends > np.arange(len(rows)) + 1):
            js = np.arange(i + 1, ends[i])
            hours = (times[js] - times[i]) / np.timedelta64(1, "h")
            has_xy = ~np.isnan(lon[js]) & ~np.isnan(lat[js]) & ~np.isnan(lon[i]) & ~np.isnan(lat[i])
            near = (_distance_m(lon[i], lat[i], lon[js], lat[js]) / distance_m) ** 2 + (hours / window_hours) ** 2 <= 1
            same_place = (keys[js] == keys[i]) if keys[i] is not None else np.zeros(len(js), dtype=bool)
            if same_place.any():
                same_place &= _same_scope(scopes, rows[i], rows[js], named[rows[i]])
            for j in js[np.where(has_xy, near, same_place)]:
                if uf.union(int(rows[i]), int(rows[j]), too_long):
                    joined[rows[i]] = joined[rows[j]] = True
    return pd.DataFrame(
        {
            "mention_id": r.event_key,
            "cluster": uf.roots(),
            "match_method": np.where(joined, "same_place_and_time", "singleton"),
        }
    )


def _same_scope(scopes: list[np.ndarray], i: int, js: np.ndarray, named: bool) -> np.ndarray:
    """Where report i and reports js can be one place: no division both state differs (district,
    street, community), and, for a key with no name in it (2组14号), at least one division both
    state agrees."""
    ok = np.ones(len(js), dtype=bool)
    shared = np.zeros(len(js), dtype=bool)
    for scope in scopes:
        a, b = scope[i], scope[js]
        if not isinstance(a, str):
            continue
        known = np.array([isinstance(x, str) for x in b], dtype=bool)
        # one name, written with or without the level above glued on (绍兴越城区 / 越城区)
        agree = np.array([isinstance(x, str) and (x == a or x.endswith(a) or a.endswith(x)) for x in b], dtype=bool)
        ok &= ~known | agree
        shared |= known & agree
    return ok if named else ok & shared


def blocking_keys(reports: pd.DataFrame, window_hours: float = 48) -> pd.DataFrame:
    """(mention_id = event_key, blocking_key): category and time bucket of `window_hours`. Two
    reports within the window lie in the same bucket or in neighbouring ones, so each report
    holds its bucket and the next: any two that cluster_matters could join share one."""
    r = reports.dropna(subset=["category_code", "reported_at"])
    hours = (pd.to_datetime(r.reported_at) - pd.Timestamp("2000-01-01")) / pd.Timedelta(hours=1)
    bucket = np.floor(hours.to_numpy(dtype=float) / window_hours).astype(np.int64)
    category = r.category_code.astype(str).to_numpy()
    frames = [
        pd.DataFrame(
            {
                "mention_id": r.event_key.to_numpy(),
                "blocking_key": [f"{c}@{b + s}" for c, b in zip(category, bucket, strict=True)],
            }
        )
        for s in (0, 1)
    ]
    return pd.concat(frames, ignore_index=True)
