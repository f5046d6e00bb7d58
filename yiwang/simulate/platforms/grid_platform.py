"""The comprehensive-governance grid platform (综治网格): grid tree, actual population,
actual houses, organisations and grid events, as its PostgreSQL tables hold them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yiwang.simulate import events as ev
from yiwang.simulate import mess
from yiwang.simulate.geography import grid_polygon_wkt
from yiwang.simulate.platforms._common import (
    Context,
    addresses,
    change_times,
    flags,
    mess_id_numbers,
    mess_names,
    mess_phones,
    replay_household_changes,
    replay_phone_changes,
)
from yiwang.simulate.streams import keyed_uniform
from yiwang.simulate.world import BASE_DATE, DayChanges, World, apply_changes

GRID_TREE_UPDATED = pd.Timestamp("2026-06-30 18:00:00")
ESCALATION_STATUS = {1: "网格", 2: "社区", 3: "街道", 4: "区县", 5: "职能部门"}


def grid_workers(world: World) -> pd.DataFrame:
    """One grid worker (网格员) per grid: an adult living in its community (stable)."""
    people = world.people[(world.people.age >= 25) & (world.people.age <= 58) & (world.people.arrived_day == 1)]
    pool = np.sort(people.person_id.to_numpy())
    g = world.geo.grids
    u = keyed_uniform(world.seed, "grid-worker", np.arange(len(g)))
    pick = pool[(u * len(pool)).astype(int)]
    w = world.people.set_index("person_id").loc[pick]
    return pd.DataFrame(
        {
            "grid_code": g.grid_code.to_numpy(),
            "person_id": pick,
            "name": w.name.to_numpy(),
            "phone": w.mobile.to_numpy(),
        }
    )


def render_grid_tree(ctx: Context) -> pd.DataFrame:
    geo = ctx.world.geo
    city = pd.DataFrame({"code": [geo.city["code"]], "name": [geo.city["name"]], "parent": [None]})
    # (nodes, code column, parent column, level): 市, 区县, 街道乡镇, 社区村
    levels = [
        (city, "code", "parent", 1),
        (geo.districts.assign(parent=geo.city["code"]), "district_code", "parent", 2),
        (geo.streets, "street_code", "district_code", 3),
        (geo.communities, "community_code", "street_code", 4),
    ]
    nodes = [
        pd.DataFrame(
            {
                "wgbm": frame[code].to_numpy(),
                "wgmc": frame["name"].to_numpy(),
                "wgcj": level,
                "sjwgbm": frame[parent].to_numpy(),
                "xzqhdm": frame[code].str.ljust(12, "0").to_numpy(),  # 12-digit statistical code
            }
        )
        for frame, code, parent, level in levels
    ]
    g = geo.grids
    workers = grid_workers(ctx.world)
    grids = pd.DataFrame(
        {
            "wgbm": g.grid_code,
            "wgmc": g.name,
            "wgcj": 5,
            "sjwgbm": g.community_code,
            "xzqhdm": g.community_code,
            "wglx": g.kind,
            "wgy": workers.name.to_numpy(),
            "wgydh": workers.phone.to_numpy(),
            "fw": grid_polygon_wkt(g),
            "_person_id": workers.person_id.to_numpy(),
        }
    )
    out = pd.concat([*nodes, grids], ignore_index=True)
    out["gxsj"] = GRID_TREE_UPDATED
    out["_mess"] = ""
    return out


def _population_rows(
    ctx: Context, people: pd.DataFrame, households: pd.DataFrame, dup: int, cohort: object
) -> pd.DataFrame:
    """zz_syrk rows for these people (dup=1 for the second, later-typed record of a person)."""
    table = "zz_syrk" if dup == 0 else "zz_syrk_dup"
    rng = ctx.rng(table, cohort)
    keys = people.person_id.to_numpy() * 10 + dup
    n = len(people)
    ids, id_mess = mess_id_numbers(ctx, table, keys, people.id_number, rng)
    nm, name_mess = mess_names(ctx, table, keys, people.name, rng)
    phone, phone_mess = mess_phones(ctx, table, keys, people.contact_phone, rng)
    birth = pd.to_datetime(pd.Series(people.birth_date.to_numpy()))
    alt = ctx.pick(f"{table}:birth:format", keys, ctx.share("dates", "alternative_format"))
    swap = ctx.pick(f"{table}:birth:swap", keys, ctx.share("dates", "day_month_swap"))
    swapped = pd.to_datetime(mess.day_month_swap(birth, swap))
    csrq = np.where(alt, swapped.dt.strftime("%Y-%m-%d"), swapped.dt.strftime("%Y%m%d"))
    legacy_sex = ctx.pick(f"{table}:sex:legacy", keys, ctx.share("sex", "legacy_text"))
    sex = np.where(
        legacy_sex,
        np.where(people.sex.to_numpy() == 1, "男", "女"),
        people.sex.astype(str).to_numpy(),
    )
    hh = households.set_index("household_id")
    origin = ctx.world.geo.migrant_origins.set_index("code").name
    parts = ctx.address_parts
    home = parts.reindex(people.house_id.to_numpy())
    native_hukou = (home.province + home.city + home.district + home.street + home.community).to_numpy()
    hukou = np.where(
        people.is_floating.to_numpy(),
        origin.reindex(people.id_address_code.to_numpy()).fillna("").to_numpy(dtype=object)
        + rng.choice(list("东南西北前后上下"), n).astype(object)
        + rng.choice(["庄村", "湾村", "岗村", "集镇"], n).astype(object),
        native_hukou,
    )
    registered = pd.Series(people.registered_at.to_numpy()) + pd.Timedelta(days=200 * dup)
    registered = registered.where(registered < BASE_DATE, BASE_DATE - pd.Timedelta(days=1))
    return pd.DataFrame(
        {
            "rkbh": pd.Series(keys).map("RK{:011d}".format).to_numpy(),
            "xm": nm,
            "xb": sex,
            "mz": people.ethnicity_code.to_numpy(),
            "csrq": csrq,
            "gmsfhm": ids,
            "lxdh": phone,
            "hjdz": hukou,
            "xzdz": addresses(ctx, people.house_id, rng),
            "fwbh": pd.Series(people.house_id.to_numpy()).map("FW{:09d}".format).to_numpy(),
            "wgbm": people.grid_code.to_numpy(),
            "rklx": np.where(people.is_floating.to_numpy(), 2, 1),
            "hh": hh.household_no.reindex(people.household_id).to_numpy(),
            "yhzgx": people.relation_code.to_numpy(),
            "rybq": np.where(people.tags.to_numpy() == "", None, people.tags.to_numpy()),
            "djsj": registered.dt.floor("s").to_numpy(),
            "gxsj": registered.dt.floor("s").to_numpy(),
            "_person_id": people.person_id.to_numpy(),
            "_house_id": people.house_id.to_numpy(),
            "_clean_id": people.id_number.to_numpy(),
            "_mess": flags(
                *id_mess,
                *name_mess,
                *phone_mess,
                ("birth_alt_format", alt),
                ("birth_day_month_swap", swap & (swapped != birth).to_numpy()),
                ("sex_legacy_text", legacy_sex),
            ),
        }
    )


def render_population(ctx: Context, first: World, history: list[DayChanges]) -> pd.DataFrame:
    """zz_syrk on the last day: the day-1 records, then each day's changes replayed."""
    cover = ctx.pick("zz_syrk:coverage", first.people.person_id, ctx.share("coverage", "grid_population"))
    base_people = first.people[cover]
    rows = _population_rows(ctx, base_people, first.households, 0, 1)
    dup = ctx.pick("zz_syrk:duplicate", base_people.person_id, ctx.share("duplicates", "grid_population"))
    rows = pd.concat([rows, _population_rows(ctx, base_people[dup], first.households, 1, 1)], ignore_index=True)
    world = first
    for ch in history:
        rows = _apply_population_changes(ctx, rows, world, ch)
        world = apply_changes(world, ch)
    return rows


def _apply_population_changes(ctx: Context, rows: pd.DataFrame, world: World, ch: DayChanges) -> pd.DataFrame:
    day = ch.day
    people = world.people.set_index("person_id")
    # leaves are hard deletes; movers get their address, house and grid retyped
    rows, movers, hid = replay_household_changes(rows, people, ch)
    if movers.any():
        rng = ctx.rng("zz_syrk", "move", day)
        rows.loc[movers, "xzdz"] = addresses(ctx, hid, rng)
        rows.loc[movers, "fwbh"] = pd.Series(hid).map("FW{:09d}".format).to_numpy()
        rows.loc[movers, "wgbm"] = ctx.world.geo.houses.set_index("house_id").grid_code.reindex(hid).to_numpy()
        rows.loc[movers, "_house_id"] = hid
        rows.loc[movers, "gxsj"] = change_times(ctx, "zz_syrk:move", rows.loc[movers, "_person_id"], day).to_numpy()
    hit, phones = replay_phone_changes(rows, ch)
    if hit.any():
        keys = rows.loc[hit, "_person_id"].to_numpy() * 100 + day
        rows.loc[hit, "lxdh"] = mess_phones(ctx, "zz_syrk", keys, phones, ctx.rng("zz_syrk", "phone", day))[0]
        rows.loc[hit, "gxsj"] = change_times(ctx, "zz_syrk:phone", rows.loc[hit, "_person_id"], day).to_numpy()
    # corrections: a clerk fixes a few records whose ID number was typed wrong
    bad = (rows.gmsfhm.astype(object).where(rows.gmsfhm.notna(), "") != rows._clean_id).to_numpy()
    fix = bad & ctx.pick(f"zz_syrk:correct:{day}", rows.rkbh.str[2:].astype(np.int64), 0.02)
    if fix.any():
        rows.loc[fix, "gmsfhm"] = rows.loc[fix, "_clean_id"]
        rows.loc[fix, "gxsj"] = change_times(ctx, "zz_syrk:fix", rows.loc[fix, "_person_id"], day).to_numpy()
        rows.loc[fix, "_mess"] = rows.loc[fix, "_mess"].str.replace(r"id_[a-z_0-9]+;?", "", regex=True).str.strip(";")
    # arrivals: new records
    if ch.new_people is not None and len(ch.new_people):
        new = _population_rows(ctx, ch.new_people, ch.new_households, 0, f"day{day}")
        new["djsj"] = change_times(ctx, "zz_syrk:arrive", new._person_id, day).to_numpy()
        new["gxsj"] = new["djsj"]
        rows = pd.concat([rows, new], ignore_index=True)
    return rows


def render_houses(ctx: Context, world: World) -> pd.DataFrame:
    h = world.houses.reset_index(drop=True)
    rng = ctx.rng("zz_syfw", 1)
    keys = h.house_id.to_numpy()
    parts = ctx.address_parts.reindex(keys).reset_index(drop=True)
    owner = world.people.set_index("person_id").reindex(h.owner_person_id)
    ids, id_mess = mess_id_numbers(ctx, "zz_syfw", keys, owner.id_number, rng)
    nm, name_mess = mess_names(ctx, "zz_syfw", keys, owner.name, rng)
    phone, phone_mess = mess_phones(ctx, "zz_syfw", keys, owner.contact_phone, rng)
    lh, dyh, sh = mess.building_unit_room(parts, rng)
    updated = np.where(h.updated_day.to_numpy() > 1, 0, 1)
    base_time = pd.Series(BASE_DATE - pd.to_timedelta(keyed_days(ctx, "zz_syfw", keys), unit="D"))
    change = change_times(ctx, "zz_syfw:use", keys, h.updated_day.to_numpy())
    return pd.DataFrame(
        {
            "fwbh": pd.Series(keys).map("FW{:09d}".format).to_numpy(),
            "fwdz": addresses(ctx, keys, rng),
            "xqmc": np.where(parts.is_village, parts.community, parts.compound),
            "lh": lh,
            "dyh": dyh,
            "sh": sh,
            "jzmj": h.area.to_numpy(),
            "fwyt": h.use.to_numpy(),
            "fzxm": nm,
            "fzzjhm": ids,
            "fzlxdh": phone,
            "wgbm": h.grid_code.to_numpy(),
            "gxsj": np.where(updated == 1, base_time, change).astype("datetime64[s]"),
            "_house_id": keys,
            "_person_id": h.owner_person_id.to_numpy(),
            "_mess": flags(
                *id_mess,
                *name_mess,
                *phone_mess,
            ),
        }
    )


def keyed_days(ctx: Context, purpose: str, keys) -> np.ndarray:
    return (keyed_uniform(ctx.seed, purpose + ":days", keys) * 900 + 1).astype(int)


def render_organisations(ctx: Context, world: World) -> pd.DataFrame:
    o = world.orgs[world.orgs.closed_day.isna()].reset_index(drop=True)
    frames = []
    for cohort, part in o.groupby("cohort_day"):
        rng = ctx.rng("zz_dw", cohort)
        keys = part.org_id.to_numpy()
        code = pd.Series(part.credit_code.to_numpy(), dtype=object)
        miss = ctx.pick("zz_dw:code:missing", keys, ctx.share("credit_code", "missing"))
        wrong = ctx.pick("zz_dw:code:wrong", keys, ctx.share("credit_code", "wrong_check")) & ~miss
        seps = ctx.pick("zz_dw:code:seps", keys, ctx.share("credit_code", "separators")) & ~miss
        code = mess.wrong_check_character(code, wrong, rng)
        code = mess.separators(code, seps, rng).where(~miss, None)
        parts = ctx.address_parts.reindex(
            world.geo.houses.groupby("compound_id").house_id.first().reindex(part.compound_id)
        ).reset_index(drop=True)
        address = (parts.district + part.road.to_numpy() + part.road_number.astype(str).to_numpy() + "号").to_numpy()
        nm, name_mess = mess_names(ctx, "zz_dw", keys, part.legal_rep_name, rng)
        phone, phone_mess = mess_phones(ctx, "zz_dw", keys, part.phone, rng)
        created = pd.Series(pd.to_datetime(part.founded_date.to_numpy())) + pd.Timedelta(hours=10)
        created = created.where(created < BASE_DATE, BASE_DATE - pd.Timedelta(hours=3))
        if cohort > 1:
            created = change_times(ctx, "zz_dw:new", keys, np.full(len(keys), cohort))
        frames.append(
            pd.DataFrame(
                {
                    "dwbh": pd.Series(keys).map("DW{:08d}".format).to_numpy(),
                    "dwmc": mess.traditional(
                        pd.Series(part.name.to_numpy(), dtype=object),
                        ctx.pick("zz_dw:name:trad", keys, 0.01),
                    ).to_numpy(),
                    "tyshxydm": code.to_numpy(),
                    "fddbr": nm,
                    "dwdz": address,
                    "dwlx": part.kind.to_numpy(),
                    "lxdh": phone,
                    "wgbm": part.grid_code.to_numpy(),
                    "gxsj": created.dt.floor("s").to_numpy(),
                    "_org_id": keys,
                    "_person_id": part.legal_rep_person_id.to_numpy(),
                    "_mess": flags(
                        ("code_missing", miss),
                        ("code_wrong_check", wrong),
                        ("code_separators", seps),
                        *name_mess,
                        *phone_mess,
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def render_events(ctx: Context, world: World) -> pd.DataFrame:
    r = ev.reveal(world.reports[world.reports.platform == "grid"], ctx.as_of).reset_index(drop=True)
    cats = world.catalogue.categories
    m = world.matters.set_index("matter_id").reindex(r.matter_id)
    workers = grid_workers(world).set_index("grid_code")
    people = world.people.set_index("person_id")
    frames = []
    for cohort, part in r.groupby("cohort_day"):
        idx = part.index.to_numpy()
        rng = ctx.rng("zz_sj", cohort)
        keys = part.report_id.to_numpy()
        mm = m.iloc[idx]
        cat = cats.loc[part.category_code]
        place = addresses(ctx, mm.house_id.to_numpy(), rng, {"admin": {"none": 0.7, "street": 0.3}})
        party_needed = cat.grid.isin(["MD", "AQ"]).to_numpy()
        p = people.reindex(part.reporter_person_id)
        ids, _ = mess_id_numbers(ctx, "zz_sj", keys, p.id_number, rng)
        nm, _ = mess_names(ctx, "zz_sj", keys, p.name, rng)
        ph, _ = mess_phones(ctx, "zz_sj", keys, p.contact_phone, rng)
        with_id = ctx.pick("zz_sj:party:id", keys, 0.6)
        coords = ctx.pick("zz_sj:coords", keys, 0.8)
        status = np.select(
            [
                part.evaluate_at.notna(),
                part.close_at.notna(),
                part.escalation_level.to_numpy() > 1,
                part.accept_at.notna(),
            ],
            [4, 3, 2, 1],
            0,
        )
        frames.append(
            pd.DataFrame(
                {
                    "sjbh": pd.Series(keys).map("SJ{:d}".format).to_numpy(),
                    "sjbt": (pd.Series(place).str[:12] + cat.name.to_numpy()).to_numpy(),
                    "sjms": mess.event_text(cat.name.to_numpy(), place, rng),
                    "sjlb": cat.grid.fillna("QT").to_numpy(),
                    "fssj": (part.reported_at - pd.to_timedelta(keyed_days(ctx, "zz_sj:fs", keys) % 360, unit="min"))
                    .dt.floor("s")
                    .to_numpy(),
                    "sbsj": part.reported_at.dt.floor("s").to_numpy(),
                    "sbr": workers.name.reindex(mm.grid_code).to_numpy(),
                    "wgbm": mm.grid_code.to_numpy(),
                    "fsdd": place,
                    "jd": np.where(coords, mm.lon.to_numpy(), np.nan),
                    "wd": np.where(coords, mm.lat.to_numpy(), np.nan),
                    "sjjb": part.escalation_level.to_numpy(),
                    "clzt": status,
                    "bjsj": part.close_at.to_numpy(),
                    "dsrxm": np.where(party_needed, nm, None),
                    "dsrzjhm": np.where(party_needed & with_id, ids, None),
                    "dsrlxdh": np.where(party_needed, ph, None),
                    "gxsj": part.updated_at.to_numpy(),
                    "_report_id": keys,
                    "_matter_id": part.matter_id.to_numpy(),
                    "_person_id": np.where(party_needed, part.reporter_person_id.to_numpy(), -1),
                    "_visible": part.visible.to_numpy(),
                    "_mess": "",
                }
            )
        )
    return _visible_only(pd.concat(frames, ignore_index=True))


def _visible_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame._visible].drop(columns="_visible").reset_index(drop=True)
