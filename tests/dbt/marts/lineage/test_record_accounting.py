"""Every landed record is accounted for: in the warehouse through an xref (record_xref), or in
quarantine (record_quarantine in the warehouse, or the landing zone's quarantine for rows the
connectors could not land). Checked on the tiny city's full build."""

from __future__ import annotations

import pytest
from warehouse_city import open_built

from yiwang.contracts import source_tables

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("warehouse_city")]

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


@pytest.mark.parametrize("model", sorted(STAGING))
def test_every_staged_record_is_in_an_xref_or_in_quarantine(built_city, model):
    key = STAGING[model]
    with open_built(built_city) as con:
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
