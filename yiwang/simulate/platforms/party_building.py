"""Party building (智慧党建): members (daily CSV export), party organisations (daily XLSX
export), household contacts and volunteer records (served by the JSON API)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yiwang.simulate import mess
from yiwang.simulate.names import ETHNICITIES
from yiwang.simulate.platforms._common import (
    Context,
    addresses,
    flags,
    mess_id_numbers,
    mess_names,
    mess_phones,
    replay_household_changes,
    replay_phone_changes,
)
from yiwang.simulate.world import DayChanges, World, apply_changes


def _dates(ctx: Context, purpose: str, keys, dates, rng) -> tuple[np.ndarray, np.ndarray]:
    """Dates as an Excel-edited export shows them: YYYY/M/D, YYYY-MM-DD or a serial number."""
    d = pd.to_datetime(pd.Series(dates).reset_index(drop=True))
    serial = ctx.pick(f"{purpose}:serial", keys, ctx.share("dates", "excel_serial"))
    iso = ctx.pick(f"{purpose}:iso", keys, 0.3) & ~serial
    slash = d.dt.year.astype(str) + "/" + d.dt.month.astype(str) + "/" + d.dt.day.astype(str)
    out = np.where(iso, d.dt.strftime("%Y-%m-%d"), slash)
    out = np.where(serial, mess.excel_serial_date(d, serial).to_numpy(), out)
    return np.where(d.isna(), None, out).astype(object), serial


def _member_rows(ctx: Context, members: pd.DataFrame, world: World, cohort: object) -> pd.DataFrame:
    rng = ctx.rng("members", cohort)
    keys = members.person_id.to_numpy()
    ids, id_mess = mess_id_numbers(ctx, "members", keys, members.id_number, rng, spreadsheet=True)
    nm, name_mess = mess_names(ctx, "members", keys, members.name, rng)
    ph, phone_mess = mess_phones(ctx, "members", keys, members.mobile, rng)
    birth, birth_serial = _dates(ctx, "members:birth", keys, members.birth_date, rng)
    joined, _ = _dates(ctx, "members:join", keys, members.join_date, rng)
    orgs = world.party_orgs.set_index("party_org_code").name
    employer = world.orgs.set_index("org_id").name
    return pd.DataFrame(
        {
            "党员编号": members.member_no.to_numpy(),
            "姓名": nm,
            "性别": np.where(members.sex.to_numpy() == 1, "男", "女"),
            "民族": pd.Series(members.ethnicity_code.to_numpy()).map(ETHNICITIES).to_numpy(),
            "出生日期": birth,
            "身份证号": ids,
            "手机号码": ph,
            "学历": members.education.to_numpy(),
            "所在党支部": orgs.reindex(members.party_org_code).to_numpy(),
            "党组织编码": members.party_org_code.to_numpy(),
            "入党日期": joined,
            "工作单位": employer.reindex(members.workplace_org_id).to_numpy(),
            "现居住地": addresses(ctx, members.house_id, rng),
            "党员状态": np.where(members.probationary.to_numpy(), "预备党员", "正式党员"),
            "_person_id": keys,
            "_mess": flags(
                *id_mess,
                *name_mess,
                *phone_mess,
                ("birth_excel_serial", birth_serial),
            ),
        }
    )


def render_members(ctx: Context, first: World, history: list[DayChanges]) -> pd.DataFrame:
    """The member export on the last day: day-1 rows, then each day's changes replayed."""
    rows = _member_rows(ctx, first.members, first, 1)
    world = first
    for ch in history:
        rows, movers, hid = replay_household_changes(rows, world.people.set_index("person_id"), ch)
        if movers.any():
            rows.loc[movers, "现居住地"] = addresses(ctx, hid, ctx.rng("members", "move", ch.day))
        hit, phones = replay_phone_changes(rows, ch)
        if hit.any():
            keys = rows.loc[hit, "_person_id"].to_numpy() * 100 + ch.day
            rows.loc[hit, "手机号码"] = mess_phones(ctx, "members", keys, phones, ctx.rng("members", "phone", ch.day))[
                0
            ]
        world = apply_changes(world, ch)
        if ch.new_members is not None and len(ch.new_members):
            rows = pd.concat([rows, _member_rows(ctx, ch.new_members, world, f"day{ch.day}")], ignore_index=True)
    return rows


def render_organisations(ctx: Context, world: World) -> pd.DataFrame:
    o = world.party_orgs.reset_index(drop=True)
    rng = ctx.rng("organisations", 1)
    keys = np.arange(len(o))
    firms = world.orgs.set_index("org_id")
    host_firm = o.host_org_id.to_numpy() > 0
    comm = world.geo.communities.set_index("community_code")
    streets = world.geo.streets.set_index("street_code").name
    host = np.where(
        host_firm,
        firms.name.reindex(o.host_org_id).to_numpy(),
        comm.name.reindex(o.community_code).to_numpy(),
    )
    code = pd.Series(np.where(host_firm, firms.credit_code.reindex(o.host_org_id).to_numpy(), None), dtype=object)
    seps = ctx.pick("organisations:code:seps", keys, 0.05) & host_firm
    code = mess.separators(mess.fullwidth(code, ctx.pick("organisations:code:full", keys, 0.03) & host_firm), seps, rng)
    members = world.members.groupby("party_org_code").first()
    secretary = members.reindex(o.party_org_code)
    founded, _ = _dates(ctx, "organisations:founded", keys, o.founded_date, rng)
    return pd.DataFrame(
        {
            "组织编码": o.party_org_code.to_numpy(),
            "组织名称": o.name.to_numpy(),
            "组织类别": o.kind.to_numpy(),
            "上级组织编码": o.parent_code.to_numpy(),
            "所在单位": host,
            "单位统一社会信用代码": code.to_numpy(),
            "组织书记": secretary.name.to_numpy(),
            "书记联系电话": secretary.mobile.to_numpy(),
            "成立日期": founded,
            "所属街道": streets.reindex(o.community_code.str[:9]).to_numpy(),
            "_org_id": np.where(host_firm, o.host_org_id.to_numpy(), -1),
            "_person_id": secretary.person_id.fillna(-1).astype(np.int64).to_numpy(),
            "_mess": flags(("code_separators", seps)),
        }
    )


def _iso(values) -> np.ndarray:
    s = pd.to_datetime(pd.Series(values))
    return (s.dt.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00").where(s.notna(), None).to_numpy(dtype=object)


def render_contacts(ctx: Context, world: World) -> pd.DataFrame:
    c = world.contacts.reset_index(drop=True)
    hh = world.households.set_index("household_id")
    people = world.people.set_index("person_id")
    head = people.reindex(hh.head_person_id.reindex(c.household_id))
    member = people.reindex(c.member_person_id)
    frames = []
    for cohort, part in c.groupby("cohort_day"):
        idx = part.index.to_numpy()
        rng = ctx.rng("household_contacts", cohort)
        keys = part.contact_id.to_numpy()
        h = head.iloc[idx]
        nm, _ = mess_names(ctx, "household_contacts", keys, h.name, rng)
        ids, _ = mess_id_numbers(ctx, "household_contacts", keys, h.id_number, rng)
        ph, _ = mess_phones(ctx, "household_contacts", keys, h.contact_phone, rng)
        with_id = ctx.pick("household_contacts:id", keys, 0.3)
        frames.append(
            pd.DataFrame(
                {
                    "id": keys,
                    "memberNo": part.member_no.to_numpy(),
                    "memberName": member.iloc[idx].name.to_numpy(),
                    "householdName": nm,
                    "householdIdCard": np.where(with_id, ids, None),
                    "householdPhone": ph,
                    "householdAddress": addresses(ctx, hh.house_id.reindex(part.household_id).to_numpy(), rng),
                    "contactSince": pd.Series(part.since.to_numpy()).astype(str).to_numpy(),
                    "isDeleted": part.deleted_day.notna().to_numpy(),
                    "updatedAt": _iso(part.updated_at),
                    "_person_id": h.index.to_numpy(),
                    "_member_person_id": part.member_person_id.to_numpy(),
                    "_household_id": part.household_id.to_numpy(),
                    "_mess": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def render_volunteer(ctx: Context, world: World) -> pd.DataFrame:
    v = world.volunteer
    return pd.DataFrame(
        {
            "id": v.record_id.to_numpy(),
            "memberNo": v.member_no.to_numpy(),
            "activityName": v.activity.to_numpy(),
            "serviceDate": pd.Series(v.service_date.to_numpy()).astype(str).to_numpy(),
            "hours": v.hours.to_numpy(),
            "location": v.location.to_numpy(),
            "gridCode": v.grid_code.to_numpy(),
            "updatedAt": _iso(v.updated_at),
            "_person_id": v.member_person_id.to_numpy(),
            "_mess": "",
        }
    )
