"""Population marts (dim_person, person_xref, fct_residence, dim_household, fct_party_membership)
on the tiny simulated city, against the simulator's truth; the ID checksum test can fail; and
the residence history (SCD2) after a day of moves."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from warehouse_city import ENV_CLEARED, open_built

from yiwang.targets import DUCKDB_FILE, resolve_target
from yiwang.warehouse.build import run_dbt

pytestmark = [pytest.mark.slow]
SHANGHAI = pd.Timedelta(hours=8)  # the grid platform stores Asia/Shanghai local times


def truth(home: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(home / "sources" / "truth" / f"{name}.parquet")


def house_of(con: duckdb.DuckDBPyConnection, home: Path) -> dict[str, int]:
    """house_key → the true house id, through the grid platform's house records (zz_syfw)."""
    houses = truth(home, "grid_platform__zz_syfw")
    clusters = con.sql("select mention_id, house_key from resolution.house_clusters").df()
    clusters["source_key"] = clusters.mention_id.str.split("/").str[2]
    joined = clusters.merge(houses[["source_key", "house_id"]], on="source_key")
    assert joined.groupby("house_key").house_id.nunique().max() == 1, "a house key spans two real houses"
    return dict(zip(joined.house_key, joined.house_id, strict=True))


@pytest.fixture(scope="module")
def marts(built_city: Path) -> dict[str, pd.DataFrame]:
    with open_built(built_city) as con:
        out = {
            t: con.sql(f"select * from marts.{t}").df()
            for t in ("dim_person", "person_xref", "fct_residence", "dim_household", "fct_party_membership")
        }
        out["house_of"] = house_of(con, built_city)
    return out


def test_every_person_mention_has_one_row_in_the_xref_and_its_person_exists(marts, built_city) -> None:
    xref, people = marts["person_xref"], marts["dim_person"]
    with open_built(built_city) as con:
        mentions = con.sql("select mention_id from intermediate.int_person_mentions").df()
    ids = xref.source_platform + "/" + xref.source_table + "/" + xref.source_key + "/" + xref.person_role
    assert sorted(ids) == sorted(mentions.mention_id)
    assert set(xref.person_key) == set(people.person_key)
    counts = xref.groupby("person_key").size()
    assert (people.set_index("person_key").source_record_count == counts.reindex(people.person_key).values).all()


def test_residents_resolve_to_their_true_id_number(marts, built_city) -> None:
    """Each live resident record (实有人口) names a person whose golden ID number is the true one."""
    residents = truth(built_city, "grid_platform__zz_syrk")
    residents = residents[residents.present & residents.clean_id.notna()]
    xref = marts["person_xref"]
    xref = xref[(xref.source_table == "zz_syrk") & (xref.person_role == "resident")]
    joined = residents.merge(xref, on="source_key").merge(marts["dim_person"], on="person_key")
    assert len(joined) >= 0.99 * len(residents)
    # a record whose number the mess broke beyond repair may keep no valid number (never a wrong one)
    valid = joined[joined.id_number_is_valid]
    right = (valid.id_number == valid.clean_id).mean()
    assert right >= 0.98, f"only {right:.3f} of valid golden ID numbers are the resident's own"
    assert len(valid) >= 0.95 * len(joined)
    assert joined[joined.id_number_is_valid].id_number.str.fullmatch(r"\d{17}[\dX]").all()


def test_current_residence_is_the_true_house(marts, built_city) -> None:
    residents = truth(built_city, "grid_platform__zz_syrk")
    residents = residents[residents.present]
    xref = marts["person_xref"]
    xref = xref[(xref.source_table == "zz_syrk") & (xref.person_role == "resident")]
    current = marts["fct_residence"][marts["fct_residence"].is_current]
    joined = residents.merge(xref, on="source_key").merge(current, on="person_key")
    joined["house_id_found"] = joined.house_key.map(marts["house_of"])
    hits = joined.groupby("source_key").apply(lambda g: (g.house_id_found == g.house_id).any(), include_groups=False)
    assert hits.mean() >= 0.99, f"{hits.mean():.3f} of residents live in their true house"
    assert current.valid_to_at.isna().all()
    assert (~marts["fct_residence"].is_current == marts["fct_residence"].valid_to_at.notna()).all()


def test_households_match_the_truth(marts, built_city) -> None:
    households = marts["dim_household"]
    true_households = truth(built_city, "households")
    assert 0 < len(households) <= len(true_households)
    assert households.household_number.is_unique
    assert (households.member_count >= 1).all()
    assert households.head_person_key.notna().mean() >= 0.9


def test_party_members_point_to_persons(marts, built_city) -> None:
    members = marts["fct_party_membership"]
    live = truth(built_city, "party_building__members")
    assert len(members) == live.present.sum()
    assert set(members.person_key) <= set(marts["dim_person"].person_key)


def test_the_id_checksum_test_fails_on_a_bad_number(built_city: Path, tmp_path: Path, monkeypatch) -> None:
    """yw_id_number_checksum catches a person flagged valid whose number fails GB 11643."""
    home = tmp_path / "home"
    shutil.copytree(built_city, home, ignore=shutil.ignore_patterns("landing", "sources"))
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    target = resolve_target("duckdb")
    select = ["test_name:yw_id_number_checksum"]
    nodes, error = run_dbt(target, "test", select)
    assert error is None and [n.status for n in nodes] == ["pass"]
    with duckdb.connect(str(home / "warehouse" / DUCKDB_FILE)) as con:
        # 330682194403138672 is valid; change the check character
        con.execute(
            "update marts.dim_person set id_number = substr(id_number, 1, 17) || "
            "case when substr(id_number, 18, 1) = '0' then '1' else '0' end "
            "where person_key = (select min(person_key) from marts.dim_person where id_number_is_valid)"
        )
    nodes, error = run_dbt(target, "test", select)
    assert error is None
    assert [n.status for n in nodes] == ["fail"]
    assert "1" in (nodes[0].message or "")


@pytest.fixture
def day_two(day2_city: Path) -> Path:
    """The built city after day 2 (moves, leavers, phone changes): the session's day2_city."""
    return day2_city


def test_a_person_who_moved_on_day_two_has_two_residence_rows(day_two: Path) -> None:
    """Movers (truth: another house on day 2) have a closed row in the old house, from the
    registration time to the move, and a current row in the new one, from the move on; the move
    time is the source record's update time (更新时间 gxsj, local) in UTC, on day 2."""
    before = pd.read_parquet(day_two / "day1" / "persons.parquet")[["person_id", "house_id"]]
    after = truth(day_two, "persons")[["person_id", "house_id", "left_day"]]
    moved = before.merge(after, on="person_id", suffixes=("_1", "_2"))
    moved = moved[(moved.house_id_1 != moved.house_id_2) & moved.left_day.isna()]
    residents = truth(day_two, "grid_platform__zz_syrk")
    one_record = residents[residents.present].groupby("person_id").filter(lambda g: len(g) == 1)
    movers = moved.merge(one_record[["person_id", "source_key"]], on="person_id")
    assert len(movers) >= 1, "the simulator moved no household with one resident record on day 2"
    with open_built(day_two) as con:
        house_key_of = {v: k for k, v in house_of(con, day_two).items()}
        checked = 0
        for mover in movers.itertuples():
            mention = f"grid_platform/zz_syrk/{mover.source_key}/resident"
            rows = con.execute(
                "select r.house_key, r.valid_from_at, r.valid_to_at, r.is_current "
                "from marts.fct_residence as r "
                "join resolution.person_clusters as c on c.person_key = r.person_key "
                "where c.mention_id = ? order by r.valid_from_at",
                [mention],
            ).fetchall()
            (updated_local,) = con.execute(
                "select gxsj from raw.grid_platform__zz_syrk where rkbh = ? order by _yw_extracted_at desc limit 1",
                [mover.source_key],
            ).fetchone()
            if len({r[0] for r in rows}) != 2:  # a person with another record elsewhere: not this check
                continue
            (old_house, old_from, old_to, old_current), (new_house, new_from, new_to, new_current) = rows
            moved_at = pd.Timestamp(updated_local) - SHANGHAI
            assert old_house == house_key_of[mover.house_id_1] and new_house == house_key_of[mover.house_id_2]
            assert old_from < old_to == new_from == moved_at, rows
            assert moved_at.tz_localize(None) + SHANGHAI >= pd.Timestamp("2026-11-02")
            assert not old_current and new_current and new_to is None
            checked += 1
        current = con.sql("select person_key, house_key from marts.fct_residence where is_current").df()
        assert not current.duplicated().any(), "one person twice current in one house"
    assert checked >= 1


def test_a_delete_at_the_source_closes_the_period(day_two: Path) -> None:
    """Residents who left on day 2 are deleted at the source: their period ends (the landing of the
    delete) instead of staying current. int_residence_periods keeps it (see the report: fct_residence
    loses the period when the person has no record left)."""
    residents = truth(day_two, "grid_platform__zz_syrk")
    gone = residents[~residents.present]
    assert len(gone) >= 1
    with open_built(day_two) as con:
        periods = con.sql("select * from intermediate.int_residence_periods").df()
    closed = periods[periods.source_key.isin(gone.source_key)]
    assert set(closed.source_key) == set(gone.source_key)
    assert not closed.is_current.any() and closed.valid_to_at.notna().all()
    assert (closed.valid_to_at >= pd.Timestamp("2026-11-02")).all()


def test_a_phone_changed_on_day_two_has_two_phone_rows(day_two: Path) -> None:
    """People whose mobile changed on day 2 (truth) have the old phone until the change and the
    new one from the change on, in fct_person_phone; nobody has two overlapping rows of one phone."""
    before = pd.read_parquet(day_two / "day1" / "persons.parquet")[["person_id", "mobile"]]
    after = truth(day_two, "persons")[["person_id", "mobile", "left_day"]]
    changed = before.merge(after, on="person_id", suffixes=("_1", "_2"))
    changed = changed[changed.mobile_1.notna() & (changed.mobile_1 != changed.mobile_2) & changed.left_day.isna()]
    residents = truth(day_two, "grid_platform__zz_syrk")
    changed = changed.merge(residents[residents.present][["person_id", "source_key"]], on="person_id")
    assert len(changed) >= 1, "the simulator changed no resident's phone on day 2"
    with open_built(day_two) as con:
        phones = con.sql("select * from marts.fct_person_phone").df()
        clusters = con.sql("select mention_id, person_key from resolution.person_clusters").df()
    overlapping = phones.groupby(["person_key", "phone"]).filter(lambda g: g.is_current.sum() > 1)
    assert overlapping.empty, overlapping.head()
    mention = "grid_platform/zz_syrk/" + changed.source_key + "/resident"
    changed["person_key"] = mention.map(clusters.set_index("mention_id").person_key)
    checked = 0
    for person in changed.itertuples():
        rows = phones[phones.person_key == person.person_key].sort_values("valid_from_at")
        if set(rows.phone) != {person.mobile_1, person.mobile_2}:  # a phone of another record too
            continue
        old, new = rows.iloc[0], rows.iloc[1]
        assert (old.phone, new.phone) == (person.mobile_1, person.mobile_2)
        assert old.valid_to_at == new.valid_from_at >= pd.Timestamp("2026-11-01 16:00")  # day 2, Shanghai
        assert not old.is_current and new.is_current and pd.isna(new.valid_to_at)
        checked += 1
    assert checked >= 1


def test_the_schemas_chinese_names_are_the_marts_comments(built_city):
    """persist_docs: what Superset, Metabase and DBeaver show beside each table and column."""
    from yiwang.contracts import warehouse_models

    with open_built(built_city) as con:
        for model in warehouse_models().values():
            columns = dict(
                con.execute(
                    "select column_name, comment from duckdb_columns() where schema_name = 'marts' and table_name = ?",
                    [model.model],
                ).fetchall()
            )
            assert all((columns[c.name] or "").startswith(c.chinese) for c in model.columns), (model.model, columns)
            [(table,)] = con.execute(
                "select comment from duckdb_tables() where schema_name = 'marts' and table_name = ?", [model.model]
            ).fetchall()
            assert (table or "").startswith(model.chinese), (model.model, table)
