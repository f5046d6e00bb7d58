"""The simulator end to end: what it writes matches schemas/sources, the truth covers every
record, the same seed gives the same city, mess stays within its configured shares, and
later days change the same stores in place."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from stdnum.cn import ric
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.contracts import source_platforms
from yiwang.simulate import SimulationError, simulate
from yiwang.simulate.write_day import SQL_PLATFORMS

PERSONS = 1500


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """A small city on day 1, copied before day 2 is applied to it."""
    out = tmp_path_factory.mktemp("city")
    simulate(out, persons=PERSONS, seed=7)
    return out


def _sqlite_table(out: Path, platform: str, table: str) -> pd.DataFrame:
    db = source_platforms()[platform].default_database
    with sqlite3.connect(out / f"{db}.sqlite") as con:
        return pd.read_sql_query(f'select * from "{table}"', con)


def _sqlite_types(out: Path, platform: str, table: str) -> dict[str, str]:
    db = source_platforms()[platform].default_database
    with sqlite3.connect(out / f"{db}.sqlite") as con:
        return {row[1]: row[2] for row in con.execute(f'pragma table_info("{table}")')}


def test_sql_tables_match_their_contracts(city):
    expected_type = {"string": "TEXT", "integer": "INTEGER", "float": "REAL", "timestamp": "TEXT"}
    for name in SQL_PLATFORMS:
        for table in source_platforms()[name].tables.values():
            types = _sqlite_types(city, name, table.table)
            assert list(types) == table.column_names, table.qualified_name
            assert types == {c.name: expected_type[c.type] for c in table.columns}
            frame = _sqlite_table(city, name, table.table)
            assert len(frame) > 0, f"{table.qualified_name} is empty"
            assert not frame.duplicated(list(table.primary_key)).any()
            for column in table.columns:
                if not column.nullable:
                    assert frame[column.name].notna().all(), f"{table.qualified_name}.{column.name} has nulls"
                allowed = column.allowed_values
                if allowed is not None:
                    values = frame[column.name].dropna()
                    values = set((values.astype("Int64") if column.type == "integer" else values).astype(str))
                    assert values <= set(allowed), f"{table.qualified_name}.{column.name}: {values - set(allowed)}"


def test_party_exports_and_api_match_their_contracts(city):
    party = source_platforms()["party_building"].tables
    exports = city / "party_building" / "exports"
    csv = next(exports.glob("dangyuan_*.csv"))
    meta = json.loads((city / "simulation.json").read_text("utf-8"))
    members = pd.read_csv(csv, encoding=meta["encodings"]["members"], dtype=str)
    assert list(members.columns) == party["members"].column_names
    # ID numbers stay text: no float ever touched them (spreadsheet damage is data, not ours)
    ids = members["身份证号"].dropna()
    assert ids.str.strip().str.len().between(10, 19).all()
    xlsx = next(exports.glob("dangzuzhi_*.xlsx"))
    orgs = pd.read_excel(xlsx, dtype=str)
    assert list(orgs.columns) == party["organisations"].column_names
    with sqlite3.connect(city / "party_building" / "api.sqlite") as con:
        for name in ("household_contacts", "volunteer_records"):
            cols = [r[1] for r in con.execute(f'pragma table_info("{name}")')]
            assert cols == party[name].column_names


def test_truth_covers_every_record(city):
    truth = city / "truth"
    for name in SQL_PLATFORMS:
        for table in source_platforms()[name].tables.values():
            key = table.primary_key[0]
            keys = set(_sqlite_table(city, name, table.table)[key].astype(str))
            t = pd.read_parquet(truth / f"{name}__{table.table}.parquet")
            assert keys == set(t.loc[t.present, "source_key"]), table.qualified_name
    meta = json.loads((city / "simulation.json").read_text("utf-8"))
    exports = city / "party_building" / "exports"
    party_keys = {
        "members": set(
            pd.read_csv(next(exports.glob("dangyuan_*.csv")), encoding=meta["encodings"]["members"], dtype=str)[
                "党员编号"
            ]
        ),
        "organisations": set(pd.read_excel(next(exports.glob("dangzuzhi_*.xlsx")), dtype=str)["组织编码"]),
    }
    with sqlite3.connect(city / "party_building" / "api.sqlite") as con:
        for name in ("household_contacts", "volunteer_records"):
            party_keys[name] = {str(r[0]) for r in con.execute(f'select id from "{name}"')}
    for name, keys in party_keys.items():
        t = pd.read_parquet(truth / f"party_building__{name}.parquet")
        assert keys == set(t.loc[t.present, "source_key"]), name
    people = pd.read_parquet(truth / "grid_platform__zz_syrk.parquet")
    persons = pd.read_parquet(truth / "persons.parquet")
    assert people.person_id.isin(persons.person_id).all()
    # every true person has a valid ID number (check character and birth date; python-stdnum's
    # place check is stricter than issuing practice, so it is not used here)
    sample = persons.sample(300, random_state=1)
    assert all(ric.calc_check_digit(x) == x[-1] for x in sample.id_number)
    assert (sample.id_number.str[6:14] == pd.to_datetime(sample.birth_date).dt.strftime("%Y%m%d")).all()
    assert persons.id_number.is_unique


def test_same_seed_gives_the_same_city(tmp_path):
    a = simulate(tmp_path / "a", persons=400, seed=11)
    b = simulate(tmp_path / "b", persons=400, seed=11)
    c = simulate(tmp_path / "c", persons=400, seed=12)
    assert a.rows == b.rows
    for platform, table in (
        ("grid_platform", "zz_syrk"),
        ("hotline", "t_gd_workorder"),
        ("urban_management", "um_case"),
    ):
        fa, fb = _sqlite_table(a.out_dir, platform, table), _sqlite_table(b.out_dir, platform, table)
        pd.testing.assert_frame_equal(fa, fb)
    assert not _sqlite_table(a.out_dir, "grid_platform", "zz_syrk").equals(
        _sqlite_table(c.out_dir, "grid_platform", "zz_syrk")
    )
    ea = (a.out_dir / "party_building/exports/dangyuan_20261101.csv").read_bytes()
    assert ea == (b.out_dir / "party_building/exports/dangyuan_20261101.csv").read_bytes()


def _share(truth: pd.DataFrame, kind: str) -> float:
    return truth.mess.str.split(";").map(lambda kinds: kind in kinds).mean()


def _within(share: float, expected: float, n: int) -> bool:
    sd = np.sqrt(expected * (1 - expected) / n)
    return abs(share - expected) <= 4.5 * sd + 1e-9


def test_mess_stays_within_configured_shares(city):
    truth = pd.read_parquet(city / "truth" / "grid_platform__zz_syrk.parquet")
    n = len(truth)
    meta = json.loads((city / "simulation.json").read_text("utf-8"))
    mess = meta["mess"]
    assert _within(_share(truth, "id_missing"), mess["id_number"]["missing"], n)
    # 15-digit numbers are only drawn where the ID is not missing, for people born in the 1900s
    born_1900s = truth.clean_id.str.slice(6, 8).eq("19").fillna(False)
    old_expected = mess["id_number"]["old_15_digit"] * (1 - mess["id_number"]["missing"])
    assert _within(_share(truth[born_1900s], "id_15"), old_expected, int(born_1900s.sum()))
    assert _share(truth[~born_1900s], "id_15") == 0  # nobody born after 1999 held a 15-digit number
    assert _within(_share(truth, "sex_legacy_text"), mess["sex"]["legacy_text"], n)
    # what the truth says was done is what the store holds
    rows = _sqlite_table(city, "grid_platform", "zz_syrk").merge(truth, left_on="rkbh", right_on="source_key")
    old = rows[rows.mess.str.contains("id_15")]
    assert (old.gmsfhm.str.replace(r"\D", "", regex=True).str.len() == 15).all() and len(old) > 0
    clean = rows[rows.mess == ""]
    assert (clean.gmsfhm == clean.clean_id).all()
    dup_share = rows.person_id.duplicated().mean()
    assert _within(dup_share, mess["duplicates"]["grid_population"], n)


def test_a_masked_title_agrees_with_the_callers_sex(city):
    """12345 call-takers write 张先生 for a man and 张女士 for a woman: the title is evidence."""
    orders = _sqlite_table(city, "hotline", "t_gd_workorder")
    truth = pd.read_parquet(city / "truth" / "hotline__t_gd_workorder.parquet")
    persons = pd.read_parquet(city / "truth" / "persons.parquet")[["person_id", "sex"]]
    rows = orders.merge(truth, left_on="gdbh", right_on="source_key").merge(persons, on="person_id")
    men = rows[rows.ldrxm.str.endswith("先生", na=False)]
    women = rows[rows.ldrxm.str.endswith("女士", na=False)]
    assert len(men) > 5 and len(women) > 5
    assert (men.sex.astype(str) == "1").all() and (women.sex.astype(str) == "2").all()


def test_mess_override_file_changes_the_shares(tmp_path):
    override = tmp_path / "mess.yml"
    override.write_text("id_number:\n  old_15_digit: 0.3\n  missing: 0.0\n", "utf-8")
    out = tmp_path / "messy"
    simulate(out, persons=800, seed=3, mess_path=override)
    truth = pd.read_parquet(out / "truth" / "grid_platform__zz_syrk.parquet")
    born_1900s = truth[truth.clean_id.str.slice(6, 8).eq("19").fillna(False)]
    assert _within(_share(born_1900s, "id_15"), 0.3, len(born_1900s))
    assert _share(truth, "id_missing") == 0
    bad = tmp_path / "bad.yml"
    bad.write_text("id_number:\n  typo_share: 0.3\n", "utf-8")
    with pytest.raises(SimulationError, match="unknown keys"):
        simulate(tmp_path / "bad", persons=300, mess_path=bad)


def test_day_two_changes_the_same_stores_in_place(city, tmp_path):
    import shutil

    out = tmp_path / "days"
    shutil.copytree(city, out)
    before = _sqlite_table(out, "grid_platform", "zz_syrk")
    cases_before = _sqlite_table(out, "urban_management", "um_case")
    result = simulate(out, day=2)
    after = _sqlite_table(out, "grid_platform", "zz_syrk")
    change = result.changes["grid_platform.zz_syrk"]
    assert change["inserted"] > 0 and change["updated"] > 0 and change["deleted"] > 0
    assert len(after) == len(before) + change["inserted"] - change["deleted"]
    gone = set(before.rkbh) - set(after.rkbh)
    assert len(gone) == change["deleted"]
    truth = pd.read_parquet(out / "truth" / "grid_platform__zz_syrk.parquet")
    assert set(truth.loc[~truth.present, "source_key"]) == gone
    # updated rows carry a day-2 update time; unchanged rows are byte-for-byte the same
    merged = before.merge(after, on="rkbh", suffixes=("_1", "_2"))
    one = merged.filter(like="_1").fillna("<null>").astype(str).to_numpy()
    two = merged.filter(like="_2").fillna("<null>").astype(str).to_numpy()
    changed = merged[(one != two).any(axis=1)]
    assert len(changed) == change["updated"]
    assert (changed.gxsj_2 >= "2026-11-02").all()
    cases = _sqlite_table(out, "urban_management", "um_case")
    assert len(cases) > len(cases_before)
    # soft deletes and the lifecycle keep moving: a later day still adds and updates cases
    assert (out / "party_building/exports/dangyuan_20261102.csv").exists()
    with pytest.raises(SimulationError, match="already at day 2"):
        simulate(out, day=2)


def test_day_two_needs_day_one(tmp_path):
    with pytest.raises(SimulationError, match="run day 1 first"):
        simulate(tmp_path / "nothing", day=2)


def _server_tables(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {n: conn.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar_one() for n in names}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_target_holds_the_same_rows(postgres_database, tmp_path):
    urls = dict.fromkeys(SQL_PLATFORMS, postgres_database)
    result = simulate(tmp_path / "pg", persons=600, seed=5, target="postgres", server_urls=urls)
    reference = simulate(tmp_path / "lite", persons=600, seed=5)
    counts = _server_tables(postgres_database)
    for key, n in reference.rows.items():
        platform, table = key.split(".")
        if platform in SQL_PLATFORMS:
            assert counts[table] == n == result.rows[key], key
    day2 = simulate(tmp_path / "pg", day=2)
    counts2 = _server_tables(postgres_database)
    c = day2.changes["grid_platform.zz_syrk"]
    assert counts2["zz_syrk"] == counts["zz_syrk"] + c["inserted"] - c["deleted"]


@pytest.mark.mariadb
def test_mariadb_target_holds_the_same_rows(mariadb_database, tmp_path):
    urls = dict.fromkeys(SQL_PLATFORMS, mariadb_database)
    result = simulate(tmp_path / "maria", persons=600, seed=5, target="mariadb", server_urls=urls)
    counts = _server_tables(mariadb_database)
    for key, n in result.rows.items():
        platform, table = key.split(".")
        if platform in SQL_PLATFORMS:
            assert counts[table] == n, key
    engine = sa.create_engine(mariadb_database)
    with engine.connect() as conn:
        name = conn.execute(sa.text("select ldrxm from t_gd_workorder where ldrxm is not null limit 1")).scalar_one()
    engine.dispose()
    assert name and all(
        "\u4e00" <= ch <= "\u9fff" or ch in "·*某" for ch in name.replace("先生", "").replace("女士", "")
    )


def test_cli_simulate_prints_a_summary(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["simulate", "--persons", "300", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "grid_platform.zz_syrk" in result.output
    again = runner.invoke(app, ["simulate", "--day", "1", "--scale", "huge", "--out", str(tmp_path / "x")])
    assert again.exit_code == 2 and "unknown scale" in again.output
    helped = runner.invoke(app, ["simulate", "--help"])
    assert "--target-db" in helped.output and "--day" in helped.output


def test_no_two_houses_of_a_village_share_a_group_and_number():
    """A village of several compounds numbers its houses (组/号) across the village: an address
    names one house (a city-scale village once had five houses at 乐麟村5组14号)."""
    import numpy as np

    from yiwang.simulate.geography import HOUSES_PER_COMPOUND, _build_grids, _build_houses

    communities = pd.DataFrame(
        {
            "community_code": ["330683104208", "330683104209"],
            "name": ["乐麟村", "花园社区"],
            "persons": [HOUSES_PER_COMPOUND * 8, HOUSES_PER_COMPOUND * 8],  # several compounds each
            "is_village": [True, False],
            "x0": [120.0, 120.1], "x1": [120.05, 120.15], "y0": [29.6, 29.6], "y1": [29.65, 29.65],
        }
    )  # fmt: skip
    grids = _build_grids(np.random.default_rng(1), communities)
    _, houses = _build_houses(7, communities, grids)
    village = houses[houses.is_village]
    assert village.compound_id.nunique() > 1
    assert not village.duplicated(["community_code", "building", "room"]).any()
    town = houses[~houses.is_village]
    assert not town.duplicated(["compound_id", "building", "unit", "room"]).any()
