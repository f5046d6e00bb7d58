"""The tiny city with its event and grid marts built, shared by tests/dbt/marts/event and grid.

With the entity resolver present (yiwang.resolve), `event_city` is the lead's `built_city`: one
full DuckDB build (seeds, staging, intermediate, resolution, marts). Until then it builds the
same phases itself and writes the `resolution` tables fct_event reads from the simulator's
truth (every event's true matter, every reporter's true person), the "tiny test fixture" that
stands in for the resolver; `build_event_marts` does the same on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest

from yiwang.warehouse import build, resolve_target
from yiwang.warehouse.build import FIRST_PHASE, BuildResult

MARTS = ["marts.event", "marts.grid"]
# event platforms: (truth table, source table, reporter role), as fct_event names the reporter's mention
EVENT_TABLES = {
    "urban_management": ("urban_management__um_case", "um_case", "reporter"),
    "hotline": ("hotline__t_gd_workorder", "t_gd_workorder", "caller"),
    "grid_platform": ("grid_platform__zz_sj", "zz_sj", "party"),
}


def resolver_available() -> bool:
    return importlib.util.find_spec("yiwang.resolve") is not None


def event_key(platform: str, source_key: str) -> str:
    """yw_event_key in Python: md5 of '<platform>/<source key>', lower-case hex."""
    return hashlib.md5(f"{platform}/{source_key}".encode()).hexdigest()


def live_truth(home: Path, platform: str) -> pd.DataFrame:
    """The truth rows of a platform's events still live at the source (what staging holds)."""
    from warehouse_city import contracts_by_name, live_keys

    truth_name, table, _ = EVENT_TABLES[platform]
    truth = pd.read_parquet(home / "sources" / "truth" / f"{truth_name}.parquet")
    live = live_keys(home, contracts_by_name()[f"{platform}.{table}"])
    return truth[truth.source_key.astype(str).isin(live)]


def truth_resolution(home: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(matter_clusters, person_clusters) as the resolver would write them, from the truth."""
    matters, persons = [], []
    for platform, (_, table, role) in EVENT_TABLES.items():
        truth = live_truth(home, platform)
        for key, matter, person in zip(truth.source_key, truth.matter_id, truth.person_id, strict=True):
            matters.append((event_key(platform, key), f"M{matter}"))
            if person != -1:
                persons.append((f"{platform}/{table}/{key}/{role}", f"P{person}", "id_number", 1.0))
    return (
        pd.DataFrame(matters, columns=["event_key", "matter_key"]),
        pd.DataFrame(persons, columns=["mention_id", "person_key", "match_method", "match_probability"]),
    )


def write_resolution_fixture(home: Path, target_name: str) -> None:
    matters, persons = truth_resolution(home)
    ddl = [
        "create schema if not exists resolution",
        "drop table if exists resolution.matter_clusters",
        "drop table if exists resolution.person_clusters",
        "create table resolution.matter_clusters (event_key varchar, matter_key varchar)",
        "create table resolution.person_clusters "
        "(mention_id varchar, person_key varchar, match_method varchar, match_probability double precision)",
    ]
    target = resolve_target(target_name)
    if target.is_duckdb:
        with duckdb.connect(str(target.duckdb_path)) as con:
            for statement in ddl:
                con.execute(statement)
            con.register("matters", matters)
            con.register("persons", persons)
            con.execute("insert into resolution.matter_clusters select * from matters")
            con.execute("insert into resolution.person_clusters select * from persons")
        return
    with psycopg.connect(target.postgres_conninfo()) as pg:
        for statement in ddl:
            pg.execute(statement)
        with pg.cursor() as cur:
            cur.executemany("insert into resolution.matter_clusters values (%s, %s)", list(matters.itertuples(False)))
            cur.executemany(
                "insert into resolution.person_clusters values (%s, %s, %s, %s)", list(persons.itertuples(False))
            )


def assert_built(result: BuildResult) -> None:
    assert result.error is None, result.error
    assert not result.failed, [(n.unique_id, n.message) for n in result.failed]


def build_event_marts(home: Path, target_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build `home`'s warehouse on the target up to the event and grid marts (YIWANG_HOME = home)."""
    if resolver_available():
        assert_built(build(target_name))
        return
    # cautious: as the full build's first phase; in the marts phase it leaves out the tests that
    # also read the other domains' marts (dim_person, dim_house), which this build does not make
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    assert_built(build(target_name, select=FIRST_PHASE))
    write_resolution_fixture(home, target_name)
    assert_built(build(target_name, select=MARTS, load=False))
    monkeypatch.delenv("DBT_INDIRECT_SELECTION")


@pytest.fixture(scope="session")
def event_city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """YIWANG_HOME of the tiny city with the event and grid marts built on DuckDB (read-only)."""
    if resolver_available():
        return request.getfixturevalue("built_city")
    from warehouse_city import ENV_CLEARED

    landed = request.getfixturevalue("landed_city")
    home = tmp_path_factory.mktemp("event_city") / "home"
    shutil.copytree(landed, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIWANG_HOME", str(home))
        for name in ENV_CLEARED:
            mp.delenv(f"YIWANG_{name}", raising=False)
        build_event_marts(home, "duckdb", mp)
    return home


def open_warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "warehouse" / "yiwang.duckdb"), read_only=True)


DUCKDB_TYPES = {
    "string": "VARCHAR",
    "float": "DOUBLE",
    "integer": "INTEGER",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "date": "DATE",
}


def assert_matches_the_schema_file(con: duckdb.DuckDBPyConnection, model: str) -> None:
    """The built mart has schemas/warehouse/<entity>.yml's columns in order, with its types, keys,
    nullability and allowed values (what the generated contracts and the warehouse gate enforce)."""
    from yiwang.contracts import warehouse_models

    contract = warehouse_models()[model]
    built = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [model],
    ).fetchall()
    assert [name for name, _ in built] == contract.column_names, model
    for (name, data_type), column in zip(built, contract.columns, strict=True):
        assert data_type == DUCKDB_TYPES[column.type], (model, name, data_type, column.type)
        if not column.nullable:
            nulls = con.execute(f'select count(*) from marts.{model} where "{name}" is null').fetchone()[0]
            assert nulls == 0, (model, name, nulls)
        if column.allowed_values:
            values = {r[0] for r in con.execute(f'select distinct "{name}" from marts.{model}').fetchall()}
            assert values - {None} <= set(column.allowed_values), (model, name, values)
    key = ", ".join(contract.primary_key)
    rows, distinct = con.execute(f"select count(*), count(distinct ({key})) from marts.{model}").fetchone()
    assert rows == distinct > 0, (model, rows, distinct)
