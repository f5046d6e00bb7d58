"""The 12345 government service hotline: work orders (工单) and their flow records (流转记录)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yiwang.simulate import events as ev
from yiwang.simulate.platforms._common import (
    Context,
    addresses,
    flags,
    mess_id_numbers,
    mess_names,
    mess_phones,
    only,
    stage_rows,
)
from yiwang.simulate.world import World

STATUS = ["10", "20", "30", "40", "50", "60"]  # 已受理 已派单 办理中 已办结 已回访 已归档
SATISFACTION = np.array(["非常满意", "满意", "基本满意", "不满意"], dtype=object)
CHANNELS = (["电话", "网站", "APP", "小程序", "信件"], [70, 8, 12, 8, 2])
TEMPLATES = [
    "市民来电反映：{place}{what}，希望相关部门尽快处理。",
    "来电人称{place}{what}问题已持续多日，要求解决。",
    "反映{place}附近{what}，影响生活，请核实处理。",
    "{what}：{place}，诉求人希望尽快答复。",
]
CONSULT_TEMPLATES = ["来电咨询{what}相关事宜，请答复。", "市民咨询{what}的办理流程和所需材料。"]
REPLY = "经核实，已联系{dept}现场处理，问题已解决，已电话告知来电人。"


def _dept(world: World, mm: pd.DataFrame, cat: pd.DataFrame) -> np.ndarray:
    district = world.geo.districts.set_index("district_code").name
    return (district.reindex(mm.community_code.str[:6]).fillna("").to_numpy() + cat.department.to_numpy()).astype(
        object
    )


def render_work_orders(ctx: Context, world: World) -> pd.DataFrame:
    r = ev.reveal(world.reports[world.reports.platform == "hotline"], ctx.as_of).reset_index(drop=True)
    cats = world.catalogue.categories
    m = world.matters.set_index("matter_id").reindex(r.matter_id).reset_index()
    people = world.people.set_index("person_id")
    frames = []
    for cohort, part in r.groupby("cohort_day"):
        idx = part.index.to_numpy()
        rng = ctx.rng("t_gd_workorder", cohort)
        keys = part.report_id.to_numpy()
        mm = m.iloc[idx]
        cat = cats.loc[part.category_code]
        caller = people.reindex(part.reporter_person_id)
        nm, name_mess = mess_names(
            ctx, "t_gd_workorder", keys, caller.name, rng, ctx.share("name", "masked_caller"), sex=caller.sex
        )
        ph, phone_mess = mess_phones(ctx, "t_gd_workorder", keys, caller.contact_phone, rng)
        with_id = ctx.pick("t_gd_workorder:zjhm", keys, 0.12)
        ids, id_mess = mess_id_numbers(ctx, "t_gd_workorder", keys, caller.id_number, rng)
        no_place = (cat.place == "none").to_numpy()
        place = np.where(
            no_place,
            None,
            addresses(
                ctx,
                mm.house_id.to_numpy(),
                rng,
                {"admin": {"none": 0.4, "district": 0.4, "city": 0.2}},
            ),
        )
        tmpl = np.array(TEMPLATES, dtype=object)[rng.integers(0, len(TEMPLATES), len(part))]
        ctmpl = np.array(CONSULT_TEMPLATES, dtype=object)[rng.integers(0, len(CONSULT_TEMPLATES), len(part))]
        text = [
            (c if p is None else t).format(place=p or "", what=w)
            for t, c, p, w in zip(tmpl, ctmpl, place, cat.name.to_numpy(), strict=True)
        ]
        sqlx_options = cat.sqlx.to_numpy()
        sqlx = np.array([o[i % len(o)] for o, i in zip(sqlx_options, rng.integers(0, 10, len(part)), strict=True)])
        dept = _dept(world, mm, cat)
        status = np.select(
            [
                part.archive_at.notna(),
                part.evaluate_at.notna(),
                part.close_at.notna(),
                part.handle_at.notna() | part.redispatch_at.notna(),
                part.dispatch_at.notna(),
            ],
            ["60", "50", "40", "30", "20"],
            "10",
        )
        closed = part.close_at.notna().to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "gdbh": pd.Series(keys).map("GD{:d}".format).to_numpy(),
                    "ldrxm": nm,
                    "ldhm": ph,
                    "zjhm": np.where(with_id, ids, None),
                    "qd": rng.choice(CHANNELS[0], len(part), p=np.array(CHANNELS[1]) / sum(CHANNELS[1])),
                    "sqnr": np.array(text, dtype=object),
                    "sqlx": sqlx,
                    "wtfl": cat.hotline.to_numpy(),
                    "sjdz": place,
                    "slsj": part.reported_at.dt.floor("s").to_numpy(),
                    "cbdw": np.where(part.dispatch_at.notna(), dept, None),
                    "blsx": part.deadline_at.dt.floor("s").to_numpy(),
                    "bjsj": part.close_at.to_numpy(),
                    "dfnr": np.where(closed, pd.Series(dept).map(lambda d: REPLY.format(dept=d)).to_numpy(), None),
                    "gdzt": status,
                    "hfmyd": np.where(part.evaluate_at.notna(), SATISFACTION[part.satisfaction.to_numpy()], None),
                    "hfsj": part.evaluate_at.to_numpy(),
                    "sfsc": np.where(part.delete_at.notna(), 1, 0),
                    "gxsj": part.updated_at.to_numpy(),
                    "_report_id": keys,
                    "_matter_id": part.matter_id.to_numpy(),
                    "_person_id": part.reporter_person_id.to_numpy(),
                    "_visible": part.visible.to_numpy(),
                    "_mess": flags(*name_mess, *phone_mess, *only(id_mess, with_id)),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out[out._visible].drop(columns="_visible").reset_index(drop=True)


OPINIONS = {"return": "非本单位职责，申请退回", "close": "已处理完毕"}
FLOW_STEPS = [
    ("reported", "受理"),
    ("dispatch", "派单"),
    ("return", "退单"),
    ("redispatch", "重新派单"),
    ("close", "办结"),
    ("evaluate", "回访"),
    ("archive", "归档"),
]


def render_flows(ctx: Context, world: World) -> pd.DataFrame:
    r = ev.reveal(world.reports[world.reports.platform == "hotline"], ctx.as_of)
    r = r[r.visible].reset_index(drop=True)
    cats = world.catalogue.categories
    m = world.matters.set_index("matter_id").reindex(r.matter_id).reset_index()
    dept = _dept(world, m, cats.loc[r.category_code])
    f = stage_rows(r, FLOW_STEPS)
    at_centre = f.stage.isin(["reported", "evaluate", "archive"]).to_numpy()
    return pd.DataFrame(
        {
            "lzid": f.flow_id.to_numpy(),
            "gdbh": f.report_id.map("GD{:d}".format).to_numpy(),
            "czlx": f.label.to_numpy(),
            "czsj": f.stage_at.to_numpy(),
            "czdw": np.where(at_centre, "12345热线中心", dept[f.row.to_numpy()]),
            "czyj": f.stage.map(OPINIONS).to_numpy(),
            "_report_id": f.report_id.to_numpy(),
            "_mess": "",
        }
    )
