"""Warehouse gate (出仓检查) on the candidate before publish: contracts, reconciliation, drift
against the published version, freshness. A gate that cannot run fails (fail closed).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from connectors.latest import order_sql, version_order
from quality import drift, gx_postgres, suites
from quality.config import load_config
from quality.gate import Check, GateResult, new_run_id, run_dir
from quality.gx_run import GxSession
from quality.landing_gate import decisions_dir
from quality.suites import warehouse_suite_name
from yiwang.contracts import WarehouseModel, source_tables, warehouse_models
from yiwang.duckdb_connection import identifier, literal
from yiwang.targets import Target, attach, resolve_target

MARTS = "marts"
WAREHOUSE_ALIAS = "wh"
PUBLISHED_ALIAS = "pub"


def mart(model: str, alias: str = WAREHOUSE_ALIAS, schema: str = MARTS) -> str:
    return f"{alias}.{identifier(schema)}.{identifier(model)}"


def batch_query(model: WarehouseModel, alias: str = WAREHOUSE_ALIAS) -> str:
    """The mart's suite query on the DuckDB attach `alias`."""
    return suites.batch_query(model, lambda name: mart(name, alias))


def _contracts(con, session: GxSession, result: GateResult) -> None:
    """Every mart's suite on its batch query, metrics computed by DuckDB (quality/gx_duckdb.py), all
    marts in one GX checkpoint. A mart whose query or expectation raises fails (fail closed)."""
    started = time.monotonic()
    models = warehouse_models()
    for name, model in models.items():
        session.stage_query(con, warehouse_suite_name(name), batch_query(model), asset=name)
    try:
        by_mart = session.run_staged()
    except Exception as error:  # fail closed: every mart fails
        by_mart = {}
        for name in models:
            result.checks.append(Check(f"contract {name}", False, f"error: {type(error).__name__}: {error}"))
    for name, outcomes in by_mart.items():
        rows = max((o.element_count for o in outcomes if o.element_count is not None), default=None)
        failed = [o for o in outcomes if not o.success]
        detail = "; ".join(
            f"{o.meta.get('check', o.expectation)} {o.meta.get('column') or ''}: "
            f"{o.error or (o.unexpected_count if o.unexpected_count is not None else o.observed_value)}"
            for o in failed
        )
        if not outcomes:
            failed, detail = [None], "no expectation was validated"
        result.checks.append(
            Check(f"contract {name}", not failed, detail or f"{rows} rows, {len(outcomes)} expectations", rows)
        )
    result.extra["contracts_seconds"] = round(time.monotonic() - started, 3)


def _staging_models(con, schema: str = "staging") -> dict[tuple[str, str], tuple[str, str]]:
    """(platform, table) → (staging relation, key column): a staging model's first column is its id."""
    out = {}
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ?", [WAREHOUSE_ALIAS, schema]
    ).fetchall()
    for (table,) in rows:
        if not table.startswith("stg_"):  # the incremental models' bookkeeping (_yw_staged_batches)
            continue
        relation = f"{WAREHOUSE_ALIAS}.{identifier(schema)}.{identifier(table)}"
        key = con.execute(f"describe select * from {relation}").fetchall()[0][0]  # noqa: S608
        found = con.execute(f"select distinct _yw_platform, _yw_table from {relation}").fetchall()  # noqa: S608
        for platform, source in found:
            out[(platform, source)] = (relation, key)
    return out


def reconcile(con, target: Target | None = None) -> list[dict[str, Any]]:
    """One row per source table: landed keys = staged + deleted + rejected; staged = xref + quarantine.
    `target`: a PostgreSQL candidate's own schemas (Target.schema); raw is shared."""
    marts = identifier(target.schema(MARTS) if target is not None else MARTS)
    staging = _staging_models(con, target.schema("staging") if target is not None else "staging")
    rows = []
    for contract in source_tables():
        raw = f"{WAREHOUSE_ALIAS}.raw.{identifier(contract.platform + '__' + contract.table)}"
        if not contract.primary_key:
            continue
        key = identifier(contract.primary_key[0])
        relation, staged_key = staging.get((contract.platform, contract.table), (None, None))
        if relation is None:
            continue
        soft = ""
        if contract.soft_delete:
            values = ", ".join(literal(str(v).lower()) for v in contract.soft_delete.get("deleted_values", []))
            soft = (
                f" or lower(cast({identifier(contract.soft_delete['column'])} as varchar)) in ({values})"
                if values
                else ""
            )
        folder = decisions_dir(contract.platform, contract.table)
        files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
        rejected = "select null::varchar as source_key where false"
        if files:
            rejected = (
                f"select distinct source_key from read_parquet([{', '.join(literal(f) for f in files)}], union_by_name = true) "  # noqa: E501, S608
                "where action = 'reject'"
            )
        where_platform = f"_yw_platform = {literal(contract.platform)} and _yw_table = {literal(contract.table)}"
        sql = f"""
            with latest as (
                select cast({key} as varchar) as k, _yw_op as op, ({"false" + soft}) as soft_deleted
                from {raw}
                qualify row_number() over (partition by {key} order by {order_sql(version_order())}) = 1
            ),
            staged as (select distinct cast({identifier(staged_key)} as varchar) as k from {relation} where {where_platform}),
            xref as (
                select distinct source_key as k from {WAREHOUSE_ALIAS}.{marts}.record_xref
                where source_platform = {literal(contract.platform)} and source_table = {literal(contract.table)}
            ),
            quarantined as (
                select distinct source_key as k from {WAREHOUSE_ALIAS}.{marts}.record_quarantine
                where source_platform = {literal(contract.platform)} and source_table = {literal(contract.table)}
            ),
            rejected as ({rejected})
            select
                (select count(*) from latest) as landed,
                (select count(*) from staged) as staged,
                (select count(*) from latest where op = 'delete' or soft_deleted) as deleted,
                (select count(*) from rejected where source_key not in (select k from latest)) as rejected,
                (select count(*) from staged where k in (select k from xref)) as in_xref,
                (select count(*) from staged where k in (select k from quarantined)) as in_quarantine,
                (select count(*) from staged where k in (select k from xref) and k in (select k from quarantined)) as in_both,
                (select count(*) from staged where k not in (select k from xref) and k not in (select k from quarantined)) as in_neither,
                (select count(*) from latest where not (op = 'delete' or soft_deleted) and k not in (select k from staged)) as lost
        """  # noqa: E501, S608
        names = ["landed", "staged", "deleted", "rejected", "in_xref", "in_quarantine", "in_both", "in_neither", "lost"]
        values = dict(zip(names, con.execute(sql).fetchone(), strict=True))
        values["ok"] = (
            values["in_both"] == 0
            and values["in_neither"] == 0
            and values["lost"] == 0
            and values["landed"] == values["staged"] + values["deleted"]
            and values["staged"] == values["in_xref"] + values["in_quarantine"]
        )
        rows.append({"platform": contract.platform, "table": contract.table} | values)
    return rows


def _reconciliation(con, result: GateResult, target: Target | None = None) -> None:
    for row in reconcile(con, target):
        detail = (
            f"landed {row['landed']} = staged {row['staged']} + deleted {row['deleted']} (+ rejected {row['rejected']}); "  # noqa: E501
            f"staged = xref {row['in_xref']} + quarantine {row['in_quarantine']}; both {row['in_both']}, "
            f"neither {row['in_neither']}, lost {row['lost']}"
        )
        result.checks.append(Check(f"reconcile {row['platform']}.{row['table']}", row["ok"], detail, row))


def _attach_published(con, target: Target, published: Target | None) -> bool:
    """Attach the published version as PUBLISHED_ALIAS (read-only); False when there is none to compare with."""
    if published is None:
        return False
    if published.is_duckdb:
        if not published.duckdb_path.is_file() or published.duckdb_path == target.duckdb_path:
            return False
        con.execute(f"attach {literal(str(published.duckdb_path))} as {PUBLISHED_ALIAS} (read_only)")
        return True
    if published == target:
        return False
    con.execute(f"attach {literal(published.postgres_conninfo())} as {PUBLISHED_ALIAS} (type postgres, read_only)")
    return True


def _drift(con, session: GxSession, result: GateResult, target: Target, published: Target | None) -> None:
    """The candidate against the published version's profile (quality/drift.py), as GX expectations
    run by the candidate's engine: DuckDB's (quality/gx_duckdb.py) or GX's SQL engine in PostgreSQL."""
    started = time.monotonic()
    tolerances = load_config()["warehouse"]["drift"]
    old, source = None, "no published version"
    if _attach_published(con, target, published):
        old, source = drift.published_profile(
            con, PUBLISHED_ALIAS, published.schema("quality"), published.schema(MARTS), tolerances
        )
    result.extra["drift_compared_with"] = source
    if old is None:
        result.checks.append(Check("drift", True, f"{source}: first publish, nothing to compare (drift not checked)"))
        return
    if target.is_duckdb:
        staged, decided = drift.plan(old, tolerances, lambda name: mart(name, WAREHOUSE_ALIAS))
        for _, asset, query, suite in staged:
            session.stage_query(con, suite.name, query, asset=asset, suite=suite)
        try:
            outcomes = session.run_staged()
        except Exception as error:  # fail closed: every drift check fails
            outcomes = {asset: error for _, asset, _, _ in staged}
    else:
        staged, decided = drift.plan(old, tolerances, gx_postgres.relation(target.schema(MARTS)))
        sql = gx_postgres.SqlSession(session, target, name="warehouse_postgres_drift")
        outcomes = {}
        try:
            for _, asset, query, suite in staged:
                try:
                    outcomes[asset] = sql.validate(suite.name, query, asset=asset, suite=suite)
                except Exception as error:  # fail closed
                    outcomes[asset] = error
        finally:
            sql.close()
    for name, asset, _, _ in staged:
        found = outcomes.get(asset)
        if isinstance(found, Exception) or found is None:
            result.checks.append(Check(name, False, f"error: {type(found).__name__}: {found}"))
        else:
            result.checks.append(drift.checks_of(name, found))
    result.checks.extend(decided)
    result.extra["drift_seconds"] = round(time.monotonic() - started, 3)


def _freshness(con, result: GateResult, max_age_hours: float) -> None:
    now = datetime.now(UTC)
    rows = con.execute(
        f"select platform, table_name, max(extracted_at) from {WAREHOUSE_ALIAS}.raw._loaded_batches"  # noqa: S608
        " group by all order by all"
    ).fetchall()
    seen = {(p, t): at for p, t, at in rows}
    for contract in source_tables():
        at = seen.get((contract.platform, contract.table))
        if at is None:
            result.checks.append(Check(f"freshness {contract.platform}.{contract.table}", False, "never loaded"))
            continue
        age = (now - at).total_seconds() / 3600
        result.checks.append(
            Check(f"freshness {contract.platform}.{contract.table}", age <= max_age_hours, f"{age:.1f} h old", age)
        )


def check_warehouse(
    target: Target | str = "duckdb",
    *,
    published: Target | None = None,
    run_id: str | None = None,
    accept_drift: bool = False,
) -> GateResult:
    """Audit the warehouse at `target` (a candidate before publish); drift is measured against
    `published` when given (the first publish, with nothing published, says it skipped drift).
    `accept_drift`: an intended big change; failing drift checks are reported as accepted and do not
    block. Never raises: errors fail the gate."""
    started = time.monotonic()
    target = resolve_target(target) if isinstance(target, str) else target
    run_id = run_id or new_run_id()
    result = GateResult("warehouse", run_id, extra={"target": target.describe()})
    config = load_config()["warehouse"]
    con = None
    try:
        if target.is_duckdb and not target.duckdb_path.is_file():
            raise FileNotFoundError(f"no warehouse at {target.duckdb_path}")
        con = attach(target, WAREHOUSE_ALIAS, read_only=True)
        session = GxSession(run_dir("warehouse", run_id) / "data_docs", "warehouse")
        if target.is_duckdb:
            _contracts(con, session, result)
        else:
            gx_postgres.contracts(target, session, result)
        _reconciliation(con, result, target)
        if published is not None:
            _drift(con, session, result, target, published)
            if accept_drift:
                drift.accept(result)
        _freshness(con, result, float(config["freshness"]["max_age_hours"]))
        docs_started = time.monotonic()
        result.docs = session.build_docs()
        result.extra["docs_seconds"] = round(time.monotonic() - docs_started, 3)
    except Exception as error:  # fail closed
        result.error = f"{type(error).__name__}: {error}"
    finally:
        if con is not None:
            con.close()
    result.seconds = time.monotonic() - started
    result.archive()
    return result
