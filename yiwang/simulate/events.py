"""Matters (事项) and the reports of them that reach each platform.

A matter is one real-world problem at one place (a broken manhole cover, a neighbour dispute).
It is reported one or more times, through urban management, the 12345 hotline or the grid
platform (one matter, many complaints, 一事多诉); a few residents call again and again (one
person, many complaints, 一人多诉).

Each report carries latent lifecycle times (accept, dispatch, handle, verify, close,
evaluate) drawn when it is created; the simulation clock reveals them day by day, so the
same report moves through its lifecycle as `--day` advances without any stored state.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from yiwang.simulate.streams import stream, weighted_choice

HISTORY_DAYS = 90
PLATFORMS = ("urban", "hotline", "grid")
EXTRA_REPORTS = {1: 0.72, 2: 0.17, 3: 0.07, 4: 0.03, 5: 0.01}  # reports per matter
FREQUENT_CALLER_SHARE = 0.003  # of adults
FREQUENT_CALLER_ORDERS = 0.10  # share of hotline orders they make
STAGES = (
    "accept",
    "dispatch",
    "return",
    "redispatch",
    "handle",
    "verify",
    "close",
    "evaluate",
    "archive",
    "cancel",
    "delete",
)


@dataclass
class Catalogue:
    categories: pd.DataFrame
    rate: float
    weights: pd.Series


def load_catalogue() -> Catalogue:
    doc = yaml.safe_load(resources.files("yiwang.simulate").joinpath("event_catalogue.yml").read_text("utf-8"))
    cats = pd.DataFrame(doc["categories"]).set_index("code", drop=False)
    weights = pd.Series(doc["category_weights"]).reindex(cats.index).fillna(0)
    return Catalogue(cats, float(doc["matters_per_1000_per_day"]), weights)


def day_window(base_date: pd.Timestamp, day: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, end) local time of simulation day `day`; day 1 also covers the history before it."""
    end = base_date + pd.Timedelta(days=day)  # exclusive: midnight after the day
    start = end - pd.Timedelta(days=1) if day > 1 else end - pd.Timedelta(days=HISTORY_DAYS)
    return start, end


def build_matters(seed: int, day: int, persons: int, base_date, geo, people, orgs, catalogue: Catalogue):
    """Matters first reported in `day`'s window, and all their reports (one cohort)."""
    rng = stream(seed, "matters", day)
    start, end = day_window(base_date, day)
    days = (end - start) / pd.Timedelta(days=1)
    n = rng.poisson(catalogue.rate * persons / 1000 * days)
    cats = catalogue.categories
    code = weighted_choice(rng, cats.index.to_numpy(), catalogue.weights.to_numpy(), n)
    # report hour follows office hours; spread over the window
    day_offset = rng.integers(0, int(days), n)
    hour = rng.choice(24, n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    created = (
        start
        + pd.to_timedelta(day_offset, unit="D")
        + pd.to_timedelta(hour * 3600 + rng.integers(0, 3600, n), unit="s")
    )

    # place: a house (its compound, grid) chosen by population; orgs for labour disputes
    house_pick = people.house_id.to_numpy()[rng.integers(0, len(people), n)]
    houses = geo.houses.set_index("house_id").loc[house_pick]
    matters = pd.DataFrame(
        {
            "matter_id": day * 10_000_000 + np.arange(1, n + 1),
            "category_code": code,
            "created_at": created,
            "house_id": house_pick,
            "compound_id": houses.compound_id.to_numpy(),
            "community_code": houses.community_code.to_numpy(),
            "grid_code": houses.grid_code.to_numpy(),
            "lon": (houses.lon.to_numpy() + rng.normal(0, 0.0008, n)).round(6),
            "lat": (houses.lat.to_numpy() + rng.normal(0, 0.0008, n)).round(6),
            "org_id": orgs.org_id.to_numpy()[rng.integers(0, len(orgs), n)],
            "cohort_day": day,
        }
    )
    reports = _reports(rng, matters, people, cats, end)
    return matters, reports


_HOUR_WEIGHTS = np.array([1, 0.5, 0.3, 0.3, 0.3, 0.6, 2, 5, 9, 11, 11, 9, 6, 7, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1.5])


def _reports(rng, matters: pd.DataFrame, people: pd.DataFrame, cats: pd.DataFrame, window_end) -> pd.DataFrame:
    n = len(matters)
    k = rng.choice(list(EXTRA_REPORTS), n, p=list(EXTRA_REPORTS.values()))
    midx = np.repeat(np.arange(n), k)
    first = np.r_[True, midx[1:] != midx[:-1]] if len(midx) else np.array([], bool)
    m = matters.iloc[midx].reset_index(drop=True)
    cat = cats.loc[m.category_code]
    w = np.stack([cat.channels.map(lambda c, p=p: c.get(p, 0)).to_numpy(float) for p in PLATFORMS], axis=1)
    u = rng.random(len(m))[:, None]
    platform = np.array(PLATFORMS)[(u > np.cumsum(w / w.sum(1, keepdims=True), axis=1)).sum(1)]
    # later reports of the same matter come within a few days of the first
    delay = np.where(first, 0, rng.exponential(14 * 3600, len(m)).clip(600, 5 * 86400))
    reported = m.created_at + pd.to_timedelta(delay.astype(int), unit="s")
    reports = pd.DataFrame(
        {
            "report_id": m.matter_id.to_numpy() * 10 + np.arange(len(m)) - np.searchsorted(midx, midx),
            "matter_id": m.matter_id.to_numpy(),
            "category_code": m.category_code.to_numpy(),
            "platform": platform,
            "reported_at": reported.to_numpy(),
            "cohort_day": m.cohort_day.to_numpy(),
        }
    )
    reports["reporter_person_id"] = _reporters(rng, reports, matters, people)
    limit_h = cats.time_limit_hours.reindex(reports.category_code).to_numpy(float)
    reports["deadline_at"] = reports.reported_at + pd.to_timedelta(limit_h, unit="h")
    reports = pd.concat([reports, _lifecycle(rng, reports.platform.to_numpy(), limit_h)], axis=1)
    return reports


def _reporters(rng, reports, matters, people) -> np.ndarray:
    """Who reported: hotline callers and public urban reporters, grid event parties."""
    adults = people[people.age >= 18]
    n = len(reports)
    frequent = adults.person_id.to_numpy()[: max(1, int(len(adults) * FREQUENT_CALLER_SHARE))]
    frequent = rng.permutation(adults.person_id.to_numpy())[: len(frequent)]
    # someone living in the matter's community, else anyone
    comm = matters.set_index("matter_id").community_code.reindex(reports.matter_id).to_numpy()
    by_comm = adults.groupby("community_code").person_id.apply(np.asarray)
    pick = np.empty(n, dtype=np.int64)
    for code, idx in pd.Series(np.arange(n)).groupby(comm).groups.items():
        pool = by_comm.get(code, adults.person_id.to_numpy())
        pick[np.asarray(idx)] = pool[rng.integers(0, len(pool), len(idx))]
    anywhere = rng.random(n) < 0.3
    pick[anywhere] = adults.person_id.to_numpy()[rng.integers(0, len(adults), anywhere.sum())]
    is_hotline = reports.platform.to_numpy() == "hotline"
    use_frequent = is_hotline & (rng.random(n) < FREQUENT_CALLER_ORDERS)
    pick[use_frequent] = frequent[rng.integers(0, len(frequent), use_frequent.sum())]
    # urban cases found by inspectors or cameras have no citizen reporter; see render step
    return pick


def _lifecycle(rng, platform: np.ndarray, limit_h: np.ndarray) -> pd.DataFrame:
    """Latent stage offsets (hours after the report; NaN when the stage never happens)."""
    n = len(platform)
    h = {s: np.full(n, np.nan) for s in STAGES}
    u = lambda a, b: rng.uniform(a, b, n)  # noqa: E731
    h["accept"] = u(0.05, 1.0)
    h["dispatch"] = h["accept"] + u(0.1, 3.0)
    returned = rng.random(n) < 0.07
    h["return"] = np.where(returned, h["dispatch"] + u(1, 20), np.nan)
    h["redispatch"] = np.where(returned, h["return"] + u(0.2, 4), np.nan)
    last_dispatch = np.where(returned, h["redispatch"], h["dispatch"])
    overdue = rng.random(n) < 0.12
    work = np.where(overdue, limit_h * u(1.05, 2.5), limit_h * rng.beta(2, 3, n) * 0.95)
    h["handle"] = last_dispatch + work
    h["verify"] = h["handle"] + u(0.5, 12)
    h["close"] = h["verify"] + u(0.1, 2)
    h["evaluate"] = np.where((platform == "hotline") | (rng.random(n) < 0.5), h["close"] + u(2, 48), np.nan)
    h["archive"] = np.where(platform == "hotline", h["close"] + u(72, 120), np.nan)
    # urban cases that turn out invalid are cancelled (作废); some records are later soft-deleted
    cancel = (platform == "urban") & (rng.random(n) < 0.03)
    h["cancel"] = np.where(cancel, h["accept"] + u(0.1, 2), np.nan)
    for s in STAGES[STAGES.index("dispatch") : STAGES.index("archive") + 1]:
        h[s] = np.where(cancel, np.nan, h[s])
    delete = (cancel & (rng.random(n) < 0.5)) | ((platform == "hotline") & (rng.random(n) < 0.01))
    h["delete"] = np.where(delete, np.fmax(np.nan_to_num(h["cancel"], nan=0), h["accept"]) + u(6, 60), np.nan)
    out = pd.DataFrame({f"{s}_h": v for s, v in h.items()})
    out["escalation_level"] = rng.choice([1, 2, 3, 4, 5], n, p=[0.68, 0.14, 0.1, 0.05, 0.03])
    sat = rng.choice(4, n, p=[0.55, 0.3, 0.1, 0.05])
    out["satisfaction"] = np.where(overdue & (rng.random(n) < 0.4), 3, sat)  # 0 best .. 3 unsatisfied
    return out


def reveal(reports: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Stage timestamps known at `as_of` (later ones become NaT) and the last change time.

    Rows not yet reported at `as_of` are kept with visible = False, so that renderers draw
    the same random variants for a cohort whatever the day; they drop them at the end.
    """
    out = reports.copy()
    out["visible"] = (out.reported_at < as_of).to_numpy()
    last = out.reported_at.copy()
    for s in STAGES:
        t = out.reported_at + pd.to_timedelta(out[f"{s}_h"], unit="h")
        t = t.where(t < as_of)
        out[f"{s}_at"] = t.dt.floor("s")
        last = last.where(~(t > last), t)
    out["updated_at"] = last.dt.floor("s")
    return out
