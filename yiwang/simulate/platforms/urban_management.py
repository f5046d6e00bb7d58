"""Digital urban management (数字城管): cases (案卷) and their flow records (流转记录).

The vendor keeps every time as a 'YYYY-MM-DD HH:MM:SS' string in local time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from yiwang.simulate import events as ev
from yiwang.simulate.platforms._common import (
    Context,
    addresses,
    flags,
    mess_names,
    mess_phones,
    only,
    stage_rows,
    timestamps,
)
from yiwang.simulate.streams import keyed_uniform
from yiwang.simulate.world import World

SOURCES = (
    [1, 2, 4, 5],
    [65, 20, 10, 5],
)  # 监督员上报, 公众举报, 视频智能发现, 领导交办 (3 = 12345转办)
STAFF = np.array(
    [
        "受理员王芳",
        "受理员李娜",
        "值班长陈强",
        "派遣员张敏",
        "派遣员刘洋",
        "核查员赵磊",
        "监督员孙浩",
        "监督员周杰",
    ],
    dtype=object,
)
TEMPLATES = [
    "{place}{what}，请处置。",
    "巡查发现{place}存在{what}问题。",
    "{what}，位置：{place}。",
    "市民举报{place}{what}。",
]


def _cases(world: World, as_of) -> pd.DataFrame:
    r = ev.reveal(world.reports[world.reports.platform == "urban"], as_of).reset_index(drop=True)
    # cases whose matter also reached the hotline first are 12345 transfers (12345转办)
    hot = world.reports[world.reports.platform == "hotline"].groupby("matter_id").reported_at.min()
    earlier = hot.reindex(r.matter_id).to_numpy() < r.reported_at.to_numpy()
    r["transfer"] = earlier
    return r


def render_cases(ctx: Context, world: World) -> pd.DataFrame:
    r = _cases(world, ctx.as_of)
    cats = world.catalogue.categories
    m = world.matters.set_index("matter_id").reindex(r.matter_id).reset_index()
    people = world.people.set_index("person_id")
    district = world.geo.districts.set_index("district_code").name
    streets = world.geo.streets.set_index("street_code").name
    frames = []
    for cohort, part in r.groupby("cohort_day"):
        idx = part.index.to_numpy()
        rng = ctx.rng("um_case", cohort)
        keys = part.report_id.to_numpy()
        mm = m.iloc[idx]
        cat = cats.loc[part.category_code]
        u = keyed_uniform(ctx.seed, "um_case:source", keys)
        src = np.array(SOURCES[0])[np.searchsorted(np.cumsum(SOURCES[1]) / sum(SOURCES[1]), u)]
        src = np.where(part.transfer.to_numpy(), 3, src)
        public = src == 2
        reporter = people.reindex(part.reporter_person_id)
        nm, name_mess = mess_names(ctx, "um_case", keys, reporter.name, rng, 0.3, sex=reporter.sex)
        ph, phone_mess = mess_phones(ctx, "um_case", keys, reporter.contact_phone, rng)
        place = addresses(
            ctx,
            mm.house_id.to_numpy(),
            rng,
            {"locator": {"road": 0.6, "compound": 0.3, "both": 0.1}},
        )
        tmpl = np.array(TEMPLATES, dtype=object)[rng.integers(0, len(TEMPLATES), len(part))]
        urban = np.stack(cat.urban.to_numpy())
        grid_seq = mm.grid_code.str[-3:].astype(int).to_numpy()
        half = keyed_uniform(ctx.seed, "um_case:cell", keys) < 0.5
        status = np.select(
            [
                part.cancel_at.notna(),
                part.close_at.notna(),
                part.verify_at.notna(),
                part.handle_at.notna(),
                part.dispatch_at.notna(),
                part.accept_at.notna(),
            ],
            [6, 5, 4, 3, 2, 1],
            0,
        )
        done = part.close_at.fillna(part.handle_at)
        overtime = np.where(done.notna(), done > part.deadline_at, ctx.as_of > part.deadline_at) & (status != 6)
        # the vendor's overdue job flags open cases when their deadline passes and stamps the change
        flagged_open = done.isna().to_numpy() & overtime
        updated = part.updated_at.where(~flagged_open, np.maximum(part.updated_at, part.deadline_at.dt.floor("s")))
        depts = (district.reindex(mm.community_code.str[:6]).fillna("").to_numpy() + cat.department.to_numpy()).astype(
            object
        )
        no_coord = keyed_uniform(ctx.seed, "um_case:nocoord", keys) < 0.01
        frames.append(
            pd.DataFrame(
                {
                    "task_num": pd.Series(keys).map("CG{:d}".format).to_numpy(),
                    "event_src_id": src,
                    "rec_type_id": urban[:, 0].astype(int),
                    "main_type_code": urban[:, 1],
                    "sub_type_code": urban[:, 2],
                    "event_desc": np.array(
                        [t.format(place=p, what=w) for t, p, w in zip(tmpl, place, cat.name, strict=True)],
                        dtype=object,
                    ),
                    "address": place,
                    "coord_x": np.where(no_coord, np.nan, mm.lon.to_numpy()),
                    "coord_y": np.where(no_coord, np.nan, mm.lat.to_numpy()),
                    "cell_code": (
                        mm.community_code + pd.Series((grid_seq * 2 - half).astype(int)).map("{:04d}".format).to_numpy()
                    ).to_numpy(),
                    "district_code": mm.community_code.str[:6].to_numpy(),
                    "street_name": streets.reindex(mm.community_code.str[:9]).to_numpy(),
                    "reporter_name": np.where(public, nm, None),
                    "reporter_tel": np.where(public, ph, None),
                    "report_time": timestamps(part.reported_at).to_numpy(),
                    "create_time": timestamps(part.accept_at).to_numpy(),
                    "dispatch_time": timestamps(part.redispatch_at.fillna(part.dispatch_at)).to_numpy(),
                    "handle_time": timestamps(part.handle_at).to_numpy(),
                    "check_time": timestamps(part.verify_at).to_numpy(),
                    "close_time": timestamps(part.close_at).to_numpy(),
                    "deal_dept": np.where(part.dispatch_at.notna(), depts, None),
                    "status_id": status,
                    "is_overtime": overtime.astype(int),
                    "is_deleted": np.where(part.delete_at.notna(), 1, 0),
                    "update_time": timestamps(updated).to_numpy(),
                    "_report_id": keys,
                    "_matter_id": part.matter_id.to_numpy(),
                    "_person_id": np.where(public, part.reporter_person_id.to_numpy(), -1),
                    "_visible": part.visible.to_numpy(),
                    "_mess": flags(*only(name_mess, public), *only(phone_mess, public)),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out[out._visible].drop(columns="_visible").reset_index(drop=True)


OPINIONS = {"return": "非本单位职责，退回重派", "cancel": "不属于受理范围，作废"}
FLOW_STEPS = [
    ("reported", "上报"),
    ("accept", "立案"),
    ("dispatch", "派遣"),
    ("return", "回退"),
    ("redispatch", "派遣"),
    ("handle", "处置"),
    ("verify", "核查"),
    ("close", "结案"),
    ("cancel", "作废"),
]


def render_flows(ctx: Context, world: World) -> pd.DataFrame:
    r = _cases(world, ctx.as_of)
    r = r[r.visible].reset_index(drop=True)
    f = stage_rows(r, FLOW_STEPS)
    at_centre = f.stage.isin(["reported", "accept", "verify", "close", "cancel"]).to_numpy()
    return pd.DataFrame(
        {
            "flow_id": f.flow_id.to_numpy(),
            "task_num": f.report_id.map("CG{:d}".format).to_numpy(),
            "act_name": f.label.to_numpy(),
            "act_time": timestamps(f.stage_at).to_numpy(),
            "act_dept": np.where(at_centre, "数字城管指挥中心", "处置单位"),
            "act_user": STAFF[(keyed_uniform(ctx.seed, "um_flow:user", f.flow_id) * len(STAFF)).astype(int)],
            "opinion": f.stage.map(OPINIONS).to_numpy(),
            "_report_id": f.report_id.to_numpy(),
            "_mess": "",
        }
    )
