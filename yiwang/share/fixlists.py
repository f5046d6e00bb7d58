# ruff: noqa: E501  (SQL and SVG markup read better unwrapped)
"""Fix lists (问题数据反馈清单, the reverse feed 反哺): one file per platform, in its own keys.

<exports>/fixlists/<run_id>/<platform>.csv (UTF-8 with BOM, opens in Excel), one row per issue:

    source_table, source_key   the platform's own table and record key
    issue                      invalid_id_number | missing_id_number | golden_conflict |
                               suspected_duplicate | quarantined | orphan_step
    attribute, value           the field and the value the platform holds
    expected                   the other record's value (masked when another platform holds it),
                               or the other record's key
    reason                     a sentence a clerk can act on

Sources and masking rules: docs/sharing.md, "Fix lists".
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from quality.quarantine import sightings
from yiwang.contracts import source_platforms, warehouse_models
from yiwang.duckdb_connection import table_exists
from yiwang.settings import workspace_dir
from yiwang.share.masking import mask_address, mask_id_number, mask_name, mask_phone, mask_year

COLUMNS = ["source_table", "source_key", "issue", "attribute", "value", "expected", "reason"]
# roles whose source records carry an ID number field (the platforms where one is required)
ID_ROLES = ("resident", "owner", "member", "legal_representative")


def _hint(entity_type: str, attribute: str, value) -> str | None:
    """Another platform's value as a hint a clerk can check against, never the value itself:
    the sharing masks by the attribute's PII class in the entity's mart contract (direct:
    ID-number, phone, name or address masking, else hidden; quasi dates: the year; sensitive:
    hidden); an attribute of no PII class is shown."""
    if value is None or value != value:
        return None
    model = warehouse_models().get(f"dim_{entity_type}")
    column = next((c for c in model.columns if c.name == attribute), None) if model else None
    pii = column.pii if column else "direct"  # unknown: the strictest
    if pii == "none":
        return str(value)
    if pii == "quasi":
        return mask_year(value) if column is not None and column.type in ("date", "timestamp") else "***"
    if pii == "direct":
        by_name = {"id_number": mask_id_number, "phone": mask_phone, "person_name": mask_name, "address": mask_address}
        masker = by_name.get(attribute) or next((f for n, f in by_name.items() if attribute.endswith(n)), None)
        return masker(value) if masker else "***"
    return "***"


def _held_values(con, conflicts: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """(platform, attribute) -> the values that platform's own person records carry for it
    (as given, normalised or stated), so a fix list shows a platform only what it holds."""
    if conflicts.empty or not _exists(con, "intermediate", "int_person_mentions"):
        return {}
    mentions = con.execute("select * from warehouse.intermediate.int_person_mentions").df()
    held: dict[tuple[str, str], set[str]] = {}
    for attribute in conflicts["attribute"].dropna().unique():
        columns = [c for c in (attribute, f"{attribute}_as_given", f"stated_{attribute}") if c in mentions]
        for column in columns:
            values = mentions[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                values = values.dt.strftime("%Y-%m-%d")
            frame = pd.DataFrame({"platform": mentions["source_platform"], "value": values}).dropna()
            for platform, group in frame.groupby("platform"):
                held.setdefault((platform, attribute), set()).update(group["value"].astype(str))
    return held


def _held(held: dict[tuple[str, str], set[str]], platform: str, attribute: str, value) -> bool:
    return value is None or value != value or str(value) in held.get((platform, attribute), ())


def _exists(con, schema: str, table: str) -> bool:
    return table_exists(con, "warehouse", schema, table)


def _issues(con) -> pd.DataFrame:
    parts = []
    if _exists(con, "intermediate", "int_person_mentions"):
        roles = ", ".join(f"'{r}'" for r in ID_ROLES)
        parts.append(
            con.execute(
                f"""
                select source_platform as platform, source_table, source_key,
                       case when id_number_as_given is null then 'missing_id_number' else 'invalid_id_number' end as issue,
                       'id_number' as attribute, id_number_as_given as value, null as expected,
                       case when id_number_as_given is null then '缺少公民身份号码 (missing ID number)'
                            else '公民身份号码校验不通过 (fails the GB 11643 check)' end as reason
                from warehouse.intermediate.int_person_mentions
                where person_role in ({roles}) and not coalesce(id_number_is_valid, false)
                """  # noqa: S608
            ).df()
        )
    if _exists(con, "resolution", "conflicts"):
        conflicts = con.execute(
            "select entity_type, entity_key, conflict_kind, attribute, mention_id_a, value_a, mention_id_b, value_b "
            "from warehouse.resolution.conflicts"
        ).df()
        held = _held_values(con, conflicts)
        for side, other in (("a", "b"), ("b", "a")):
            ids = conflicts[f"mention_id_{side}"].str.split("/", n=3, expand=True)
            if ids.empty:
                continue
            theirs = conflicts[f"mention_id_{other}"].str.split("/", n=3, expand=True)
            # a platform gets back what it holds; another platform's value only as a masked hint,
            # another platform's record only by its platform and table
            foreign = (ids[0] != theirs[0]).to_numpy()
            # the conflict's values are its clusters' values: either may come from another platform
            value, expected = (
                [
                    v if _held(held, p, a, v) else _hint(e, a, v)
                    for p, e, a, v in zip(
                        ids[0], conflicts["entity_type"], conflicts["attribute"], conflicts[column], strict=True
                    )
                ]
                for column in (f"value_{side}", f"value_{other}")
            )
            where = (theirs[0] + "." + theirs[1]).where(foreign, conflicts[f"mention_id_{other}"])
            parts.append(
                pd.DataFrame(
                    {
                        "platform": ids[0],
                        "source_table": ids[1],
                        "source_key": ids[2],
                        "issue": "golden_conflict",
                        "attribute": conflicts["attribute"],
                        "value": pd.Series(value, index=conflicts.index, dtype="string"),
                        "expected": pd.Series(expected, index=conflicts.index, dtype="string"),
                        "reason": "与合并档案冲突 ("
                        + conflicts["conflict_kind"]
                        + " with "
                        + where
                        + " in "
                        + conflicts["entity_type"]
                        + " "
                        + conflicts["entity_key"]
                        + ")",
                    }
                )
            )
    if _exists(con, "marts", "person_xref"):
        parts.append(
            con.execute(
                """
                with x as (
                    select distinct source_platform, source_table, source_key, person_key from warehouse.marts.person_xref
                ), dup as (
                    select a.source_platform as platform, a.source_table, a.source_key, b.source_key as other_key, a.person_key
                    from x as a join x as b
                      on a.person_key = b.person_key and a.source_platform = b.source_platform
                     and a.source_table = b.source_table and a.source_key <> b.source_key
                )
                select platform, source_table, source_key, 'suspected_duplicate' as issue, 'person' as attribute,
                       person_key as value, string_agg(other_key, ',' order by other_key) as expected,
                       '疑似重复录入：同一人在本表另有记录 (same person as the records in expected)' as reason
                from dup group by all
                """
            ).df()
        )
    if _exists(con, "quality", "quarantine"):
        parts.append(
            con.execute(
                """
                select platform, table_name as source_table, source_key, 'quarantined' as issue,
                       column_name as attribute, cast(offending_value as varchar) as value, null as expected,
                       '隔离 (quarantined): ' || reason_code || coalesce(' by ' || source, '') as reason
                from warehouse.quality.quarantine
                """
            ).df()
        )
    else:  # a warehouse built without publish: read the quarantine sightings directly
        seen = sightings()
        if not seen.empty:
            parts.append(
                pd.DataFrame(
                    {
                        "platform": seen["platform"],
                        "source_table": seen["table_name"],
                        "source_key": seen["source_key"],
                        "issue": "quarantined",
                        "attribute": seen.get("column_name"),
                        "value": seen.get("offending_value").astype("string") if "offending_value" in seen else None,
                        "expected": None,
                        "reason": "隔离 (quarantined): " + seen["reason_code"].astype(str),
                    }
                ).drop_duplicates(["platform", "source_table", "source_key", "attribute"])
            )
    if _exists(con, "marts", "record_quarantine"):
        parts.append(
            con.execute(
                """
                select source_platform as platform, source_table, source_key, reason_code as issue,
                       'parent' as attribute, parent_key as value, null as expected, reason
                from warehouse.marts.record_quarantine
                """
            ).df()
        )
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["platform", *COLUMNS])
    frame = pd.concat(parts, ignore_index=True)
    for c in ["platform", *COLUMNS]:
        frame[c] = frame[c].astype("string")
    return frame.sort_values(["platform", "source_table", "source_key", "issue"]).reset_index(drop=True)


def write_fixlists(con, run_id: str, out: Path | None = None) -> dict[str, Path]:
    """Write one CSV per platform of schemas/sources (every platform gets a file, empty when it
    has nothing to fix)."""
    out = out or workspace_dir("exports") / "fixlists" / run_id
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    issues = _issues(con)
    written = {}
    for platform in source_platforms():
        rows = issues[issues["platform"] == platform][COLUMNS]
        path = tmp / f"{platform}.csv"
        rows.to_csv(path, index=False, encoding="utf-8-sig")
        written[platform] = out / path.name
    os.replace(tmp, out)
    return written
