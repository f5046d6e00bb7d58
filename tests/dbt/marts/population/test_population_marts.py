"""Population marts on the tiny city: golden persons, the xref of every person mention, and the
residence history (SCD2) across a day of changes."""

from __future__ import annotations

import pandas as pd
import pytest
from warehouse_city import extract_everything, open_built

from yiwang.normalize import is_valid_id_number
from yiwang.simulate import simulate
from yiwang.warehouse import build

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("warehouse_city")]


def test_every_person_mention_is_in_the_xref_with_a_golden_person(built_city):
    with open_built(built_city) as con:
        mentions = con.execute("select count(*) from intermediate.int_person_mentions").fetchone()[0]
        xref = con.execute("select count(*) from marts.person_xref").fetchone()[0]
        dangling = con.execute(
            "select count(*) from marts.person_xref where person_key not in (select person_key from marts.dim_person)"
        ).fetchone()[0]
        counts = con.execute(
            "select sum(source_record_count), count(*) filter (where platform_count < 1) from marts.dim_person"
        ).fetchone()
    assert mentions > 1000 and xref == mentions and dangling == 0
    assert counts == (mentions, 0)


def test_golden_id_numbers_are_valid_and_unique(built_city):
    with open_built(built_city) as con:
        people = con.execute("select id_number from marts.dim_person where id_number_is_valid").df()
    assert len(people) > 500
    assert people.id_number.is_unique
    assert all(is_valid_id_number(v) for v in people.id_number)


def test_a_person_on_several_platforms_is_one_golden_record(built_city):
    """The simulator puts the same people on several platforms; some must come together."""
    with open_built(built_city) as con:
        spread = con.execute("select count(*) from marts.dim_person where platform_count >= 2").fetchone()[0]
    assert spread > 50


def test_a_person_who_moved_on_day_2_has_two_residence_rows(city_workspace):
    sources = city_workspace / "sources"
    before = pd.read_parquet(sources / "truth" / "grid_platform__zz_syrk.parquet")
    assert build("duckdb").ok
    simulate(sources, scale="tiny", day=2)
    after = pd.read_parquet(sources / "truth" / "grid_platform__zz_syrk.parquet")
    extract_everything(city_workspace)
    result = build("duckdb")
    assert result.ok, result.error or [(n.unique_id, n.message) for n in result.failed]
    moved = before.merge(after, on="source_key", suffixes=("_1", "_2"))
    moved = moved[moved.present_1 & moved.present_2 & (moved.house_id_1 != moved.house_id_2)]
    assert len(moved), "the simulator moved nobody on day 2"
    with open_built(city_workspace) as con:
        for source_key in moved.source_key.head(5):
            rows = con.execute(
                """
                select r.valid_from_at, r.valid_to_at, r.is_current, h.source_key as house_id
                from marts.person_xref as x
                join marts.fct_residence as r on r.person_key = x.person_key
                join marts.record_xref as h on h.entity_key = r.house_key and h.source_table = 'zz_syfw'
                    and h.entity_type = 'house'
                where x.source_table = 'zz_syrk' and x.source_key = ? and x.person_role = 'resident'
                order by r.valid_from_at
                """,
                [str(source_key)],
            ).df()
            row = moved[moved.source_key == source_key].iloc[0]
            assert len(rows) == 2, rows
            first, second = rows.iloc[0], rows.iloc[1]
            assert not first.is_current and second.is_current and pd.isna(second.valid_to_at)
            assert first.valid_to_at == second.valid_from_at
            assert second.valid_from_at >= pd.Timestamp("2026-11-01")  # day 2's change, not registration
            assert (first.house_id, second.house_id) == (
                f"FW{int(row.house_id_1):09d}",
                f"FW{int(row.house_id_2):09d}",
            )
