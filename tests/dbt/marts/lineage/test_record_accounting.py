"""Every landed record is accounted for: in the warehouse through an xref (record_xref), or in
quarantine (record_quarantine in the warehouse, or the landing zone's quarantine for rows the
connectors could not land). Checked on the tiny city's full build."""

from __future__ import annotations

import pytest
from warehouse_city import ENV_CLEARED, open_built

from quality.warehouse_gate import WAREHOUSE_ALIAS, reconcile
from yiwang.contracts import source_tables
from yiwang.targets import DUCKDB_FILE, Target, attach

pytestmark = [pytest.mark.slow]

STAGING = {  # staging model → its source key column
    "stg_grid_platform__residents": "resident_id",
    "stg_grid_platform__houses": "house_id",
    "stg_grid_platform__organisations": "organisation_id",
    "stg_grid_platform__grid_nodes": "grid_code",
    "stg_grid_platform__events": "event_id",
    "stg_hotline__work_orders": "work_order_id",
    "stg_hotline__work_order_steps": "work_order_step_id",
    "stg_urban_management__cases": "case_id",
    "stg_urban_management__case_steps": "case_step_id",
    "stg_party_building__members": "member_id",
    "stg_party_building__organisations": "party_organisation_id",
    "stg_party_building__household_contacts": "household_contact_id",
    "stg_party_building__volunteer_records": "volunteer_record_id",
}


def _table_of(con, model: str) -> str:
    (table,) = con.execute(f"select distinct _yw_table from staging.{model}").fetchone()
    return table


def test_the_staging_list_covers_every_source_table(built_city):
    with open_built(built_city) as con:
        tables = {_table_of(con, model) for model in STAGING}
    assert tables == {t.table for t in source_tables()}


@pytest.fixture(params=["day1", "day2"])
def city(request):
    """The tiny city after day 1, and after day 2 (members leave, records they kept stay)."""
    return request.getfixturevalue("built_city" if request.param == "day1" else "day2_city")


@pytest.mark.parametrize("model", sorted(STAGING))
def test_every_staged_record_is_in_an_xref_or_in_quarantine(city, model):
    key = STAGING[model]
    with open_built(city) as con:
        table = _table_of(con, model)
        missing = con.execute(
            f"""
            select cast({key} as varchar) from staging.{model}
            except select source_key from marts.record_xref where source_table = ?
            except select source_key from marts.record_quarantine where source_table = ?
            """,
            [table, table],
        ).fetchall()
        both = con.execute(
            """
            select count(*) from (select source_key from marts.record_xref where source_table = ?
            intersect select source_key from marts.record_quarantine where source_table = ?)
            """,
            [table, table],
        ).fetchone()[0]
    assert missing == [], f"{model}: {len(missing)} records neither in record_xref nor in quarantine"
    assert both == 0, f"{model}: records both in the warehouse and in quarantine"


def test_orphan_steps_are_quarantined_with_their_missing_parent(built_city):
    with open_built(built_city) as con:
        rows = con.execute(
            """
            select q.source_table, q.parent_key from marts.record_quarantine as q
            where q.reason_code = 'orphan_step'
            """
        ).fetchall()
        for table, parent in rows:
            parents = "stg_hotline__work_orders" if table == "t_gd_lzjl" else "stg_urban_management__cases"
            column = "work_order_id" if table == "t_gd_lzjl" else "case_id"
            (n,) = con.execute(f"select count(*) from staging.{parents} where {column} = ?", [parent]).fetchone()
            assert n == 0, f"{parent} exists, so its step is no orphan"


def test_records_of_a_member_the_source_no_longer_holds_are_quarantined(day2_city):
    """Day 2 deletes members whose volunteer records stay at the source: each such record is
    quarantined as an orphan naming the missing member, never attached to another person."""
    with open_built(day2_city) as con:
        orphans = con.execute(
            """
            select cast(v.volunteer_record_id as varchar), cast(v.member_id as varchar)
            from staging.stg_party_building__volunteer_records as v
            where cast(v.member_id as varchar) not in (
                select cast(member_id as varchar) from staging.stg_party_building__members
            )
            """
        ).fetchall()
        quarantined = con.execute(
            """
            select source_key, parent_key from marts.record_quarantine
            where source_table = 'volunteer_records' and reason_code = 'orphan_member'
            """
        ).fetchall()
        attached = con.execute(
            """
            select count(*) from marts.record_xref
            where source_table = 'volunteer_records' and source_key in (select source_key from marts.record_quarantine)
            """
        ).fetchone()[0]
    assert orphans, "day 2 of the tiny city deletes no member who kept volunteer records: the test proves nothing"
    assert sorted(quarantined) == sorted(orphans)
    assert attached == 0


def test_the_gate_reconciles_every_table_after_day_two(day2_city, monkeypatch):
    """The warehouse gate's accounting (landed = staged + deleted, staged = xref + quarantine)
    holds for every source table on the simulator's own day 2."""
    monkeypatch.setenv("YIWANG_HOME", str(day2_city))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    con = attach(Target("duckdb", duckdb_path=day2_city / "warehouse" / DUCKDB_FILE), WAREHOUSE_ALIAS, read_only=True)
    try:
        rows = reconcile(con)
    finally:
        con.close()
    assert [r for r in rows if not r["ok"]] == []
