# ruff: noqa: E501  (SQL reads better unwrapped)
"""The BI marts answer the KPI questions: recounted from fct_event and the golden records in pandas."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def con(built_city):
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as c:
        yield c


def test_event_kpis_by_district_equal_a_recount(con):
    events = con.execute(
        "select e.*, g.district_code from marts.fct_event e left join marts.dim_grid g using (grid_code)"
    ).df()
    kpi = (
        con.execute(
            """select district_code, sum(accepted_count) as accepted, sum(closed_count) as closed,
                  sum(closed_on_time_count) as on_time, sum(overdue_count) as overdue,
                  sum(handling_hours_sum) / sum(handled_count) as hours,
                  sum(satisfaction_sum) / sum(satisfaction_count) as satisfaction,
                  sum(grid_level_count) as grid_level, sum(redispatch_count) as redispatches,
                  sum(repeat_complaint_count) as repeats
           from marts.kpi_event_daily group by 1"""
        )
        .df()
        .set_index("district_code")
    )
    assert kpi["accepted"].sum() == len(events) > 0
    for district, group in events.groupby("district_code"):
        row = kpi.loc[district]
        assert row["accepted"] == len(group)
        assert row["closed"] == group["closed_at"].notna().sum()
        assert row["on_time"] == (group["is_closed_on_time"] == True).sum()  # noqa: E712
        assert row["overdue"] == group["is_overdue"].sum()
        assert row["hours"] == pytest.approx(group["handling_hours"].mean())
        assert row["satisfaction"] == pytest.approx(group["satisfaction_score"].mean())
        assert row["grid_level"] == (group["resolution_level"] == "grid").sum()
        assert row["redispatches"] == group["redispatch_count"].sum()
        assert row["repeats"] == group["is_repeat_complaint"].sum()


def test_hot_spots_repeats_and_coverage(con):
    top = con.execute(
        "select category_code, report_count from marts.kpi_hot_spot_weekly "
        "where category_rank = 1 and week_start_date = (select max(week_start_date) from marts.kpi_hot_spot_weekly)"
    ).fetchall()
    recount = con.execute(
        """select category_code, count(*) n from marts.fct_event
           where cast(date_trunc('week', reported_at) as date) = (select max(week_start_date) from marts.kpi_hot_spot_weekly)
           group by 1 order by 2 desc"""
    ).fetchall()
    assert top and {c for c, n in recount if n == recount[0][1]} == {c for c, _ in top}
    repeated = con.execute("select count(*), min(report_count) from marts.kpi_repeated_matter").fetchone()
    assert (
        repeated[0]
        == con.execute(
            "select count(*) from (select matter_key from marts.fct_event where matter_key is not null group by 1 having count(*) > 1)"
        ).fetchone()[0]
        > 0
        and repeated[1] == 2
    )
    assert con.execute("select min(report_count) from marts.kpi_repeat_complainant").fetchone()[0] >= 2
    coverage = con.execute(
        "select sum(resident_count), sum(house_count), sum(company_count), sum(party_member_count), count(*) "
        "from marts.kpi_grid_coverage"
    ).fetchone()
    expected = con.execute(
        """select (select count(*) from marts.dim_person where current_grid_code is not null),
                  (select count(*) from marts.dim_house where grid_code is not null),
                  (select count(*) from marts.dim_legal_entity where grid_code is not null),
                  (select count(distinct person_key) from marts.fct_party_membership where grid_code is not null),
                  (select count(*) from marts.dim_grid)"""
    ).fetchone()
    assert coverage == expected
