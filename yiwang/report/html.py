# ruff: noqa: E501  (SQL and SVG markup read better unwrapped)
"""The run report (运行报告): one self-contained HTML file per run, from the published warehouse.

    write_report(run_id=None, target="duckdb", out=None) -> Path

Sections: pipeline summary (the published version's manifest), per-platform loaded rows and
quarantine, gate results, entity-resolution figures, KPI charts (weekly trend, top categories,
resolution levels, a grid × week heat map). Charts are inline SVG (yiwang.report.svg); the only
script is a few inline lines that mark the page ready, so the file opens offline in any browser.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from quality.quarantine import LANDING, WAREHOUSE, counts
from yiwang.duckdb_connection import table_exists
from yiwang.report import svg
from yiwang.settings import local_time, workspace_dir
from yiwang.targets import Target, attach, resolve_target
from yiwang.warehouse import dbt_docs

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}td.n{text-align:right}.ok{color:#2a7d2a}.fail{color:#c62828;font-weight:bold}
.figures{display:flex;gap:16px;flex-wrap:wrap}.figure{border:1px solid #ddd;padding:8px 14px;border-radius:4px}
.figure b{display:block;font-size:20px}
"""
SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  var charts = document.querySelectorAll("svg").length;
  document.body.setAttribute("data-charts", String(charts));
  console.log("yiwang report ready: " + charts + " charts");
});
"""


def _exists(con, schema: str, table: str) -> bool:
    return table_exists(con, "warehouse", schema, table)


def _table(rows: list[tuple], header: list[str], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v:,}</td>'
            if i in numeric and isinstance(v, int | float)
            else f"<td>{escape('' if v is None else str(v))}</td>"
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def gather(con) -> dict[str, Any]:
    """Every figure the report shows, as plain data (tests read it too)."""
    data: dict[str, Any] = {"published": None, "gates": [], "platforms": [], "resolution": {}, "kpi": {}}
    if _exists(con, "quality", "published_versions"):
        row = con.execute(
            "select run_id, published_at, gate_ok, gate_results, build_summary "
            "from warehouse.quality.published_versions order by published_at desc limit 1"
        ).fetchone()
        if row:
            data["published"] = {
                "run_id": row[0],
                "published_at": local_time(row[1]) if row[1] is not None else None,
                "gate_ok": row[2],
                "build": json.loads(row[4] or "{}"),
            }
            data["gates"] = [(c.get("name"), c.get("ok"), c.get("detail")) for c in json.loads(row[3] or "[]")]
    if _exists(con, "raw", "_loaded_batches"):
        loaded = dict(
            ((p, t), (n, b))
            for p, t, n, b in con.execute(
                "select platform, table_name, sum(rows)::bigint, count(*)::bigint from warehouse.raw._loaded_batches group by all"
            ).fetchall()
        )
    else:
        loaded = {}
    # one definition of every quarantine figure (quality.quarantine.counts), per stage
    frame = counts(con, "warehouse")
    data["quarantine"] = [tuple(r) for r in frame.itertuples(index=False)]
    quarantine: dict[tuple[str, str], dict[str, int]] = {}
    for stage, p, t, _reason, n in data["quarantine"]:
        row = quarantine.setdefault((p, t), {LANDING: 0, WAREHOUSE: 0})
        row[stage] += int(n)
    data["platforms"] = sorted(
        (
            p,
            t,
            loaded.get((p, t), (0, 0))[0],
            loaded.get((p, t), (0, 0))[1],
            quarantine.get((p, t), {}).get(LANDING, 0),
            quarantine.get((p, t), {}).get(WAREHOUSE, 0),
        )
        for p, t in set(loaded) | set(quarantine)
    )
    res = data["resolution"]
    for label, schema, table in (
        ("person mentions 人员提及", "intermediate", "int_person_mentions"),
        ("persons 人员（一人一档）", "marts", "dim_person"),
        ("houses 房屋", "marts", "dim_house"),
        ("legal entities 法人", "marts", "dim_legal_entity"),
        ("events 事件", "marts", "fct_event"),
        ("conflicts 冲突", "resolution", "conflicts"),
    ):
        if _exists(con, schema, table):
            res[label] = con.execute(f"select count(*) from warehouse.{schema}.{table}").fetchone()[0]  # noqa: S608
    if _exists(con, "resolution", "person_clusters"):
        data["match_methods"] = con.execute(
            "select match_method, count(*)::bigint from warehouse.resolution.person_clusters group by 1 order by 2 desc"
        ).fetchall()
    if _exists(con, "marts", "fct_event"):
        kpi = data["kpi"]
        # per week, each event counted in the week it was reported and in the week it was closed:
        # daily counts of a city are too jagged to read, and closed-by-report-date only shadows accepted
        kpi["weekly"] = con.execute(
            """
            with accepted as (
                select date_trunc('week', reported_at) as week, count(*) as n
                from warehouse.marts.fct_event where reported_at is not null group by 1
            ), closed as (
                select date_trunc('week', closed_at) as week, count(*) as n
                from warehouse.marts.fct_event where closed_at is not null group by 1
            )
            select strftime(week, '%Y-%m-%d'), coalesce(a.n, 0), coalesce(c.n, 0)
            from accepted as a full join closed as c using (week) order by week
            """
        ).fetchall()
        kpi["totals"] = con.execute(
            """
            select count(*), count(closed_at), avg(case when is_closed_on_time then 1.0 when is_closed_on_time is not null then 0.0 end),
                   count(*) filter (where is_overdue), avg(handling_hours), avg(satisfaction_score)
            from warehouse.marts.fct_event
            """
        ).fetchone()
        kpi["categories"] = con.execute(
            "select category_name, count(*) from warehouse.marts.fct_event group by 1 order by 2 desc, 1 limit 12"
        ).fetchall()
        kpi["levels"] = con.execute(
            """
            select coalesce(resolution_level, 'unknown'), count(*) from warehouse.marts.fct_event
            group by 1 order by case coalesce(resolution_level, 'unknown') when 'grid' then 1 when 'community' then 2
              when 'street' then 3 when 'district' then 4 when 'department' then 5 else 6 end
            """
        ).fetchall()
        kpi["heat"] = con.execute(
            """
            select coalesce(g.grid_name, e.grid_code, 'unlocated') as grid,
                   strftime(date_trunc('week', e.reported_at), '%Y-%m-%d') as week, count(*)
            from warehouse.marts.fct_event as e
            left join warehouse.marts.dim_grid as g using (grid_code)
            group by all
            """
        ).fetchall()
        # every grid gets a row, those without a report too: a quiet grid is a finding as well
        kpi["grids"] = [
            name
            for (name,) in con.execute(
                "select coalesce(grid_name, grid_code) from warehouse.marts.dim_grid order by grid_code"
            ).fetchall()
        ]
    return data


def render(data: dict[str, Any], *, run_id: str, where: str) -> str:
    parts = [f"<h1>yiwang 一网 run report 运行报告 — {escape(run_id)}</h1>"]
    pub = data["published"]
    parts.append("<h2>Pipeline summary 流水线概况</h2>")
    parts.append(
        _table(
            [
                ("warehouse 数据仓库", where),
                ("published version 发布版本", pub["run_id"] if pub else "not published (未发布)"),
                ("published at 发布时间", pub["published_at"] if pub else ""),
                ("warehouse gate 仓库闸门", ("passed 通过" if pub["gate_ok"] else "failed 未通过") if pub else ""),
                ("report written 生成时间", local_time()),
            ],
            ["item", "value"],
        )
    )
    parts.append("<h2>Platforms: loaded rows and quarantine 各平台入库与隔离</h2>")
    parts.append(
        _table(
            data["platforms"],
            [
                "platform 平台",
                "table 表",
                "rows loaded 入库行数",
                "batches 批次",
                "quarantined at landing 落地隔离",
                "quarantined in the warehouse 入仓隔离",
            ],
            {2, 3, 4, 5},
        )
    )
    parts.append(
        "<p>Landing: rows the connectors or the landing gate refused (open, until the platform fixes them). "
        "Warehouse: landed records nothing can attach to (marts.record_quarantine). "
        "落地隔离：连接器或落地闸门拒收、尚未修复的行；入仓隔离：已落地但无法关联的记录。</p>"
    )
    if data.get("quarantine"):
        parts.append("<h3>Quarantine by reason 隔离原因</h3>")
        parts.append(
            _table(data["quarantine"], ["stage 环节", "platform 平台", "table 表", "reason 原因代码", "rows 行数"], {4})
        )
    parts.append("<h2>Gate results 质量闸门</h2>")
    if data["gates"]:
        failed = [g for g in data["gates"] if not g[1]]
        parts.append(f"<p>{len(data['gates']) - len(failed)} of {len(data['gates'])} checks passed.</p>")
        rows = [(n, "ok" if ok else "FAILED", d) for n, ok, d in failed + [g for g in data["gates"] if g[1]]]
        parts.append(_table(rows[:200], ["check 检查", "result 结果", "detail 说明"]))
    else:
        parts.append("<p>No gate results in this warehouse (built without publish).</p>")
    parts.append("<h2>Entity resolution 实体解析</h2><div class='figures'>")
    parts += [f"<div class='figure'>{escape(k)}<b>{v:,}</b></div>" for k, v in data["resolution"].items()]
    parts.append("</div>")
    if data.get("match_methods"):
        parts.append(_table(data["match_methods"], ["match method 匹配方式", "mentions 提及数"], {1}))
    kpi = data["kpi"]
    if kpi:
        total, closed, on_time, overdue, hours, satisfaction = kpi["totals"]
        parts.append("<h2>Event KPIs 事件指标</h2><div class='figures'>")
        for label, value in (
            ("accepted 受理", f"{total:,}"),
            ("closed 办结", f"{closed:,}"),
            ("closure rate 办结率", f"{closed / total:.1%}" if total else "–"),
            ("on-time closure 按时办结率", f"{on_time:.1%}" if on_time is not None else "–"),
            ("overdue 超期", f"{overdue:,}"),
            ("mean handling hours 平均处置时长", f"{hours:.1f}" if hours is not None else "–"),
            ("satisfaction 满意度", f"{satisfaction:.1f}" if satisfaction is not None else "–"),
        ):
            parts.append(f"<div class='figure'>{escape(label)}<b>{escape(value)}</b></div>")
        parts.append("</div>")
        weeks = [w for w, _, _ in kpi["weekly"]]
        parts.append("<h3>Trend 趋势 (reports accepted and closed per week, 每周受理与办结)</h3>")
        parts.append(
            svg.line_chart(
                weeks,
                {"accepted 受理": [a for _, a, _ in kpi["weekly"]], "closed 办结": [c for _, _, c in kpi["weekly"]]},
                title="trend",
            )
        )
        parts.append("<h3>Top categories 高发类别</h3>")
        parts.append(svg.bar_chart([(c, n) for c, n in kpi["categories"]], title="categories"))
        parts.append("<h3>Resolution levels 解决层级</h3>")
        parts.append(svg.bar_chart([(lv, n) for lv, n in kpi["levels"]], title="resolution levels"))
        grids = kpi["grids"] + sorted({g for g, _, _ in kpi["heat"]} - set(kpi["grids"]))
        weeks = sorted({w for _, w, _ in kpi["heat"] if w is not None})
        parts.append("<h3>Grid heat map 网格热力图 (reports per grid and week)</h3>")
        cells = {(g, w): n for g, w, n in kpi["heat"]}
        parts.append(svg.heat_map(grids, weeks, cells, title="grid heat map", unit="reports 件"))
    parts += _links(data.get("published"))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>yiwang run report {escape(run_id)}</title><style>{CSS}</style></head>"
        f"<body>{body}<script>{SCRIPT}</script></body></html>"
    )


def _links(published: dict | None) -> list[str]:
    """Where to look further: the warehouse gate's data docs, the version's dbt docs (models,
    columns and their Chinese labels, lineage), the fix lists and the exports."""
    quality_runs = workspace_dir("quality") / "runs"
    run_id = (published or {}).get("run_id")
    gate_docs = sorted(quality_runs.glob(f"warehouse-{run_id}*/data_docs/index.html")) if run_id else []
    gate_docs = gate_docs or sorted(quality_runs.glob("warehouse-*/data_docs/index.html"))[-1:]
    exports = workspace_dir("exports").resolve()
    places = [
        ("data docs of the warehouse gate 质量闸门数据文档", gate_docs[-1].resolve() if gate_docs else None),
        ("data dictionary: the dbt docs of this version 数据字典（dbt 文档）", dbt_docs.docs_for(run_id)),
        ("fix lists per platform 整改清单", exports / "fixlists"),
        ("department exports 共享数据", exports),
    ]
    items = [
        f'<li><a href="{escape(path.as_uri())}">{escape(label)}</a></li>'
        if path is not None and path.exists()
        else f"<li>{escape(label)}: not written yet 尚未生成</li>"
        for label, path in places
    ]
    quarantine = "<li>quarantined rows by reason 隔离明细: <code>yiwang quarantine</code></li>"
    return ["<h2>Where to look 详细信息</h2><ul>", *items, quarantine, "</ul>"]


def write_report(run_id: str | None = None, *, target: Target | str = "duckdb", out: Path | None = None) -> Path:
    """Write <reports>/<run_id>.html (atomically) and return its path."""
    target = resolve_target(target) if isinstance(target, str) else target
    if target.is_duckdb and not Path(target.duckdb_path).is_file():
        raise FileNotFoundError(f"no published warehouse at {target.duckdb_path}; run yiwang build / publish first")
    con = attach(target, read_only=True)
    try:
        data = gather(con)
    finally:
        con.close()
    run_id = run_id or (data["published"] or {}).get("run_id") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out or workspace_dir("reports") / f"{run_id}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(render(data, run_id=run_id, where=target.describe()), encoding="utf-8")
    os.replace(tmp, out)
    return out
