"""Quarantine tables (隔离区) written into the candidate before the gate: quality.quarantine_log
(every sighting, personal data masked) and quality.quarantine (open rows; a row leaves once a
later batch lands its key without that reason), and the one count of them the run, the CLI and
the report show.
"""

from __future__ import annotations

import json

import pandas as pd

from connectors.landing import landing_root
from quality.gate import mask
from yiwang.contracts import source_tables
from yiwang.duckdb_connection import identifier, literal
from yiwang.settings import workspace_dir

SCHEMA = "quality"
# one sighting: what the landing gate and the connectors both record
QUARANTINE_COLUMNS = [
    "platform",
    "table_name",
    "source_key",
    "run_id",
    "reason_code",
    "action",
    "column_name",
    "offending_value",
]


def _connector_rows() -> pd.DataFrame:
    """Rows the connectors could not land (landing/_quarantine), as quarantine sightings."""
    frames = []
    root = landing_root() / "_quarantine"
    for contract in source_tables():
        base = root / contract.platform / contract.table
        if not base.is_dir():
            continue
        key = contract.primary_key[0] if contract.primary_key else None
        pii = {c.name: c.pii for c in contract.columns}
        for part in sorted(base.glob("*/*.parquet")):
            df = pd.read_parquet(part)
            if df.empty:
                continue
            rows = []
            for record in df.to_dict("records"):
                doc = json.loads(record.get("_yw_record") or "{}")
                column = record.get("_yw_column")
                reason = str(record.get("_yw_reason") or "connector")
                rows.append(
                    {
                        "platform": contract.platform,
                        "table_name": contract.table,
                        "source_key": None if key is None or doc.get(key) is None else str(doc.get(key)),
                        "run_id": part.parent.name,
                        "reason_code": reason,
                        "action": "reject",
                        "column_name": column,
                        "offending_value": mask(record.get("_yw_raw_value"), pii.get(column or "", "none")),
                    }
                )
            frames.append(pd.DataFrame(rows, columns=QUARANTINE_COLUMNS))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=QUARANTINE_COLUMNS)


def sightings() -> pd.DataFrame:
    frames = []
    base = workspace_dir("quality") / "landing"
    for path in sorted(base.glob("*/*/*.parquet")) if base.is_dir() else []:
        df = pd.read_parquet(path)
        if not df.empty:
            frames.append(df.assign(source="landing_gate"))
    connector = _connector_rows()
    if not connector.empty:
        frames.append(connector.assign(source="connector"))
    if not frames:
        return pd.DataFrame(columns=[*QUARANTINE_COLUMNS, "source"])
    return pd.concat(frames, ignore_index=True)


def checked_batches() -> pd.DataFrame:
    """(platform, table_name, run_id) of every batch the landing gate checked."""
    base = workspace_dir("quality") / "landing"
    rows = [(p.parent.parent.name, p.parent.name, p.stem) for p in base.glob("*/*/*.json")] if base.is_dir() else []
    return pd.DataFrame(rows, columns=["platform", "table_name", "run_id"])


def write_tables(con, alias: str, schema: str = SCHEMA) -> int:
    """(Re)write quality.quarantine_log and quality.quarantine in the attached warehouse `alias`
    (`schema`: a PostgreSQL candidate's own quality schema, Target.schema); returns the open rows."""
    out = f"{alias}.{identifier(schema)}"
    log = sightings()
    checked = checked_batches()
    con.register("yw_quarantine_log", log)
    con.register("yw_checked", checked)
    con.execute(f"create schema if not exists {out}")
    con.execute(f"create or replace table {out}.quarantine_log as select * from yw_quarantine_log")  # noqa: S608
    # a key's latest checked landing: the raw tables hold every landed version of each key
    raws = []
    for contract in source_tables():
        if not contract.primary_key:
            continue
        raw = f"{alias}.raw.{identifier(contract.platform + '__' + contract.table)}"
        exists = con.execute(
            "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'raw' and table_name = ?",
            [alias, f"{contract.platform}__{contract.table}"],
        ).fetchone()[0]
        if exists:
            raws.append(
                f"select {literal(contract.platform)} as platform, {literal(contract.table)} as table_name, "  # noqa: S608
                f"cast({identifier(contract.primary_key[0])} as varchar) as source_key, _yw_run_id as run_id from {raw}"
            )
    landed = (
        " union all ".join(raws)
        if raws
        else "select null as platform, null as table_name, null as source_key, null as run_id where false"
    )
    con.execute(
        f"""
        create or replace table {out}.quarantine as
        with seen as (
            select platform, table_name, source_key, run_id from ({landed})
            union all select platform, table_name, source_key, run_id from yw_quarantine_log
        ),
        latest as (select platform, table_name, source_key, max(run_id) as latest_run from seen group by all)
        select q.platform, q.table_name, q.source_key, q.reason_code, any_value(q.action) as action,
               any_value(q.source) as source, any_value(q.column_name) as column_name,
               arg_max(q.offending_value, q.run_id) as offending_value,
               min(q.run_id) as first_run_seen, max(q.run_id) as last_run_seen, count(distinct q.run_id) as runs_seen
        from yw_quarantine_log as q
        left join latest as l using (platform, table_name, source_key)
        group by q.platform, q.table_name, q.source_key, q.reason_code, l.latest_run
        having max(q.run_id) >= coalesce(l.latest_run, max(q.run_id))
        """  # noqa: S608
    )
    con.unregister("yw_quarantine_log")
    con.unregister("yw_checked")
    return con.execute(f"select count(*) from {out}.quarantine").fetchone()[0]  # noqa: S608


def summary(con, alias: str) -> pd.DataFrame:
    """Open quarantine rows by platform, table and reason."""
    return con.execute(
        f"select platform, table_name, reason_code, action, count(*) as rows, min(first_run_seen) as first_run_seen, "  # noqa: S608
        f"max(last_run_seen) as last_run_seen from {alias}.{SCHEMA}.quarantine group by all order by all"  # noqa: RUF100, S608
    ).df()


# The two quarantines are different things and are never added up silently:
LANDING = "landing"  # rows the connectors or the landing gate refused (quality.quarantine, open rows)
WAREHOUSE = "warehouse"  # landed records the warehouse cannot attach to anything (marts.record_quarantine)
COUNT_COLUMNS = ["stage", "platform", "table_name", "reason_code", "rows"]


def _has_table(con, alias: str, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
            [alias, schema, table],
        ).fetchone()[0]
    )


def counts(con, alias: str) -> pd.DataFrame:
    """Quarantined records of the warehouse attached as `alias`, by stage, platform, table and
    reason: the one definition the run summary, `yiwang quarantine` and the report show."""
    parts = []
    if _has_table(con, alias, SCHEMA, "quarantine"):
        parts.append(
            f"select '{LANDING}' as stage, platform, table_name, reason_code, count(*)::bigint as rows "  # noqa: S608
            f"from {alias}.{SCHEMA}.quarantine group by all"
        )
    if _has_table(con, alias, "marts", "record_quarantine"):
        parts.append(
            f"select '{WAREHOUSE}' as stage, source_platform as platform, source_table as table_name, reason_code, "  # noqa: S608
            f"count(*)::bigint as rows from {alias}.marts.record_quarantine group by all"
        )
    if not parts:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    frame = con.execute(" union all ".join(parts) + " order by stage, platform, table_name, reason_code").df()
    return frame.astype({"rows": "int64"})


def by_platform(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """`counts()` summed per platform: {platform: {"landing": n, "warehouse": m}}."""
    out: dict[str, dict[str, int]] = {}
    for record in frame.itertuples(index=False):
        row = out.setdefault(record.platform, {LANDING: 0, WAREHOUSE: 0})
        row[record.stage] += int(record.rows)
    return out
