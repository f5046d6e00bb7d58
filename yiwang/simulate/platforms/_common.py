"""Helpers the platform renderers share: keyed mess decisions, time formats, address parts.

Each renderer returns its table with exactly the contract's columns plus truth columns whose
names start with `_` (the true person, house, organisation or matter, and the `_mess` applied).
The store writers drop the `_` columns; the truth writer keeps only them and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from yiwang.simulate import mess
from yiwang.simulate.streams import keyed_uniform, stream
from yiwang.simulate.world import World, day_end


@dataclass
class Context:
    """What a renderer needs besides the world: the seed, mess shares, the stage clock."""

    world: World
    mess_config: dict
    as_of: pd.Timestamp

    @property
    def seed(self) -> int:
        return self.world.seed

    def rng(self, *purpose: object) -> np.random.Generator:
        return stream(self.seed, "render", *purpose)

    def share(self, group: str, kind: str) -> float:
        return float(self.mess_config.get(group, {}).get(kind, 0.0))

    def pick(self, purpose: str, keys, share: float) -> np.ndarray:
        """Stable mask: the same records are picked whatever else is rendered with them."""
        return keyed_uniform(self.seed, purpose, keys) < share

    @cached_property
    def address_parts(self) -> pd.DataFrame:
        """Address parts of every house, indexed by house_id (canonical values)."""
        geo = self.world.geo
        h = geo.houses.set_index("house_id")
        comp = geo.compounds.set_index("compound_id").reindex(h.compound_id)
        comm = geo.communities.set_index("community_code").reindex(h.community_code)
        street = geo.streets.set_index("street_code").reindex(comm.street_code)
        district = geo.districts.set_index("district_code").reindex(comm.district_code)
        village = h.is_village.to_numpy()
        return pd.DataFrame(
            {
                "province": geo.province["name"],
                "city": geo.city["name"],
                "district": district.name.to_numpy(),
                "street": street.name.to_numpy(),
                "community": comm.name.to_numpy(),
                # villages have no compounds: a house is 组 (group) + 号 (number), like a road
                "road": np.where(village, h.building.astype(str) + "组", comp.road.to_numpy()),
                "road_number": np.where(village, h.room.astype(str), comp.road_number.astype(str).to_numpy()),
                "compound": np.where(village, None, comp.name.to_numpy()),
                "building": np.where(village, None, h.building.astype(str)),
                "unit": np.where(village, None, h.unit.astype(str)),
                "room": np.where(village, None, h.room.astype(str)),
                "is_village": village,
            },
            index=h.index,
        )


def timestamps(values: pd.Series) -> pd.Series:
    """Local times as the 'YYYY-MM-DD HH:MM:SS' strings legacy systems keep (None for NaT)."""
    t = pa.array(pd.to_datetime(pd.Series(values)).dt.floor("s"), type=pa.timestamp("s"), from_pandas=True)
    return pd.Series(pc.cast(t, pa.string()).to_numpy(zero_copy_only=False), dtype=object)


def flags(*pairs: tuple[str, np.ndarray]) -> np.ndarray:
    """Join the names of the mess kinds applied to each row with ';' ('' when clean).

    Rows are grouped by which kinds apply (a bit pattern), so labels are built once per pattern.
    """
    if not pairs:
        return np.array([], dtype=object)
    code = np.zeros(len(pairs[0][1]), dtype=np.int64)
    for bit, (_, mask) in enumerate(pairs):
        code |= np.asarray(mask, dtype=bool).astype(np.int64) << bit
    patterns, inverse = np.unique(code, return_inverse=True)
    labels = [";".join(name for bit, (name, _) in enumerate(pairs) if p >> bit & 1) for p in patterns]
    return np.asarray(labels, dtype=object)[inverse]


def only(pairs: list[tuple[str, np.ndarray]], rows: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The same mess kinds, counted only on `rows` (say, where the column is shown at all)."""
    return [(name, mask & rows) for name, mask in pairs]


def mess_id_numbers(ctx: Context, table: str, keys, clean: pd.Series, rng, spreadsheet: bool = False):
    """ID numbers as a platform holds them, and the mess applied to each."""
    s = pd.Series(clean, dtype=object).reset_index(drop=True)
    f = lambda kind: ctx.pick(f"{table}:id:{kind}", keys, ctx.share("id_number", kind))  # noqa: E731
    missing = f("missing")
    # first-generation 15-digit numbers were issued before 1999 (no century digits): only people
    # born in the 1900s can hold one, so a child never gets a 15-digit number upgraded to 19xx
    born_1900s = s.str.slice(6, 8).eq("19").fillna(False).to_numpy(dtype=bool)
    old = f("old_15_digit") & ~missing & born_1900s
    wrong = f("wrong_check") & ~missing & ~old
    sheet = (f("spreadsheet") & ~missing & ~old & ~wrong) if spreadsheet else np.zeros(len(s), bool)
    ends_x = s.str.endswith("X").fillna(False).to_numpy()
    lower = f("lowercase_x") & ends_x & ~missing & ~old & ~sheet
    full = f("fullwidth") & ~missing & ~sheet
    seps = f("separators") & ~missing & ~sheet & ~full
    s = mess.id_to_15(s, old)
    s = mess.wrong_check_character(s, wrong, rng)
    s = mess.spreadsheet_mangle_id(s, sheet, rng)
    s = mess.lowercase_x(s, lower)
    s = mess.fullwidth(s, full)
    s = mess.separators(s, seps, rng)
    s = s.where(~missing, None)
    applied = [
        ("id_missing", missing),
        ("id_15", old),
        ("id_wrong_check", wrong),
        ("id_spreadsheet", sheet),
        ("id_lowercase_x", lower),
        ("id_fullwidth", full),
        ("id_separators", seps),
    ]
    return s.to_numpy(dtype=object), applied


def mess_names(ctx: Context, table: str, keys, clean: pd.Series, rng, masked_share: float = 0.0, sex=None):
    """Names as a platform holds them; `sex` (1/2) makes a masked title agree: 张先生 is a man."""
    s = pd.Series(clean, dtype=object).reset_index(drop=True)

    def f(kind: str, share: float | None = None) -> np.ndarray:
        return ctx.pick(f"{table}:name:{kind}", keys, ctx.share("name", kind) if share is None else share)

    missing = f("missing")
    masked = f("masked", masked_share) & ~missing
    trad = f("traditional") & ~missing & ~masked
    homo = f("homophone") & ~missing & ~masked
    s = mess.homophone_typo(s, homo, rng)
    s = mess.traditional(s, trad)
    s = mess.mask_name(s, masked, rng, sex=None if sex is None else np.asarray(sex, dtype=object))
    s = s.where(~missing, None)
    return s.to_numpy(dtype=object), [
        ("name_missing", missing),
        ("name_masked", masked),
        ("name_traditional", trad),
        ("name_homophone", homo),
    ]


def mess_phones(ctx: Context, table: str, keys, clean: pd.Series, rng):
    s = pd.Series(clean, dtype=object).reset_index(drop=True)
    missing = ctx.pick(f"{table}:phone:missing", keys, ctx.share("phone", "missing")) & s.notna().to_numpy()
    fmt = ctx.pick(f"{table}:phone:formats", keys, ctx.share("phone", "formats")) & ~missing & s.notna().to_numpy()
    s = mess.phone_format(s, fmt, rng).where(~missing, None)
    return s.to_numpy(dtype=object), [("phone_missing", missing), ("phone_format", fmt)]


def addresses(ctx: Context, house_ids, rng, styles: dict | None = None) -> np.ndarray:
    """Free-text addresses of houses, typed the way people type them (variants)."""
    parts = ctx.address_parts.reindex(np.asarray(house_ids)).reset_index(drop=True)
    return np.asarray(mess.address_variants(parts, rng, styles), dtype=object)


def canonical_addresses(ctx: Context, house_ids) -> np.ndarray:
    parts = ctx.address_parts.reindex(np.asarray(house_ids)).reset_index(drop=True)
    return np.asarray(mess.render_address(parts), dtype=object)


def change_times(ctx: Context, purpose: str, keys, days) -> pd.Series:
    """When a clerk typed each change: a stable office-hours time on the change's day."""
    keys = np.asarray(keys)
    days = np.broadcast_to(np.asarray(days), keys.shape)
    u = keyed_uniform(ctx.seed, f"{purpose}:time", keys * 1000 + days)
    start = pd.Series(day_end(1) - pd.Timedelta(days=1) + pd.to_timedelta(np.asarray(days) - 1, unit="D"))
    return (start + pd.to_timedelta((8 * 3600 + u * 13 * 3600).astype(int), unit="s")).reset_index(drop=True)


def replay_household_changes(
    rows: pd.DataFrame, people: pd.DataFrame, ch
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Drop rows of people whose household left on ch.day; mask and new house of movers.

    `rows` carry `_person_id`; `people` is indexed by person_id (the world before the day).
    """
    left = people.index[people.household_id.isin(ch.left_households)]
    rows = rows[~rows._person_id.isin(left)].copy()
    if ch.moves is None or not len(ch.moves):
        return rows, np.zeros(len(rows), dtype=bool), np.array([], dtype=np.int64)
    new_house = ch.moves.set_index("household_id").house_id
    household = rows._person_id.map(people.household_id)
    movers = household.isin(new_house.index).to_numpy()
    return rows, movers, new_house.reindex(household[movers]).to_numpy()


def replay_phone_changes(rows: pd.DataFrame, ch) -> tuple[np.ndarray, pd.Series]:
    """Mask of rows whose person got a new phone on ch.day, and those phones (row order)."""
    if ch.phones is None or not len(ch.phones):
        return np.zeros(len(rows), dtype=bool), pd.Series(dtype=object)
    phone = ch.phones.set_index("person_id").mobile
    hit = rows._person_id.isin(phone.index).to_numpy()
    return hit, phone.reindex(rows.loc[hit, "_person_id"])


def stage_rows(reports: pd.DataFrame, steps: list[tuple[str, str]]) -> pd.DataFrame:
    """One row per revealed lifecycle step of each report, ordered by flow id.

    `steps` are (stage, label) pairs; `<stage>_at` columns give the times. Columns: flow_id
    (report_id * 10 + step index, stable across days), report_id, row (position in
    `reports`), stage, label, stage_at.
    """
    frames = []
    for i, (stage, label) in enumerate(steps):
        t = reports[f"{stage}_at"]
        ok = t.notna().to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "flow_id": reports.report_id.to_numpy()[ok] * 10 + i,
                    "report_id": reports.report_id.to_numpy()[ok],
                    "row": np.flatnonzero(ok),
                    "stage": stage,
                    "label": label,
                    "stage_at": t[ok].dt.floor("s").to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values("flow_id", ignore_index=True)
