"""A tiny simulated city landed by the real connectors, shared by the warehouse and dbt tests.

`landed_city` (session) simulates day 1 and extracts every platform once; `city_workspace`
gives each test its own copy as YIWANG_HOME, so a test may land day 2 or load a warehouse
without touching the others. `built_city` (session) is a copy with the whole DuckDB warehouse
built once (staging, entity resolution, marts): open it read-only with `open_built(home)`.
`live_keys` answers, from the simulator's stores and truth, which business keys still exist at
the source: what staging must hold.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from connectors import extract, load_registry, read_landed, select_tables
from yiwang.contracts import SourceTable, source_tables
from yiwang.simulate import simulate
from yiwang.simulate.party_api import api_db_path, running

TOKEN = "warehouse-test-token"
ENV_CLEARED = (
    "URBAN_MANAGEMENT_URL",
    "HOTLINE_URL",
    "GRID_PLATFORM_URL",
    "PARTY_API_URL",
    "PARTY_API_TOKEN",
    "PARTY_EXPORTS_DIR",
    "SOURCES_DIR",
    "LANDING_DIR",
    "STATE_DIR",
    "WAREHOUSE_DIR",
    "WAREHOUSE_PATH",
    "WAREHOUSE_POSTGRES_URL",
    "WAREHOUSE_TARGET",
    "CONNECTORS_FAULT",
)
SQL_STORES = {
    "urban_management": "urban_management.sqlite",
    "hotline": "hotline_12345.sqlite",
    "grid_platform": "grid_platform.sqlite",
}


def extract_everything(home: Path) -> dict[str, object]:
    """Run the connectors over every table of the city at `home` (YIWANG_HOME must point there)."""
    sources = home / "sources"
    with running(api_db_path(sources), token=TOKEN) as server:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("YIWANG_PARTY_API_URL", server.base_url)
            mp.setenv("YIWANG_PARTY_API_TOKEN", TOKEN)
            results = extract(select_tables(load_registry(), None))
    return {f"{r.platform}.{r.table}": r for r in results}


def landed_tables(results: dict[str, object]) -> list[str]:
    """Tables that landed; a table whose extraction failed (a connectors bug) is reported and skipped."""
    failed = {name: r.error for name, r in results.items() if r.status != "ok"}
    if failed:
        print(f"extraction failed, building without: {failed}")
    return [name for name, r in results.items() if r.status == "ok"]


@pytest.fixture(scope="session")
def landed_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """YIWANG_HOME of a tiny city, day 1, extracted once (read-only: copy it with city_workspace)."""
    home = tmp_path_factory.mktemp("city") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIWANG_HOME", str(home))
        for name in ENV_CLEARED:
            mp.delenv(f"YIWANG_{name}", raising=False)
        simulate(home / "sources", scale="tiny")
        results = extract_everything(home)
    (home / "extract_results.json").write_text(
        json.dumps({name: {"status": r.status, "error": r.error} for name, r in results.items()}, indent=2)
    )
    return home


@pytest.fixture
def city_workspace(landed_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the landed city, set as YIWANG_HOME (the warehouse goes under it)."""
    home = tmp_path / "home"
    shutil.copytree(landed_city, home)
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    yield home


@contextmanager
def _copy_as_home(landed_city: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A copy of the landed city, set as YIWANG_HOME (other yiwang settings cleared) while open."""
    home = tmp_path_factory.mktemp(name) / "home"
    shutil.copytree(landed_city, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("YIWANG_HOME", str(home))
        for variable in ENV_CLEARED:
            mp.delenv(f"YIWANG_{variable}", raising=False)
        yield home


@pytest.fixture(scope="session")
def built_city(landed_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """YIWANG_HOME of the tiny city with its DuckDB warehouse fully built once (read-only for tests)."""
    from yiwang.warehouse import build

    with _copy_as_home(landed_city, tmp_path_factory, "built") as home:
        result = build("duckdb")
    if not result.ok:
        failed = [(n.unique_id, n.message) for n in result.failed]
        pytest.fail(f"the tiny city's warehouse did not build: {result.error or failed}")
    return home


FIRST_PUBLISHED = "20260101T000000000000Z"  # run id of the version the published_city fixture serves


@pytest.fixture
def published_city(built_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built city, gated at landing and published once: a version readers read."""
    from quality import check_landing
    from yiwang.warehouse.flow import publish
    from yiwang.warehouse.publish import make_candidate

    home = tmp_path / "home"
    shutil.copytree(built_city, home, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    assert check_landing().ok
    first = publish("duckdb", candidate=make_candidate("duckdb"), run_id=FIRST_PUBLISHED)
    assert first.published, first.error
    return home


@pytest.fixture(scope="session")
def day2_city(landed_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny city built on day 1, then day 2 simulated, extracted and built (read-only).

    Before day 2 it keeps, under <home>/day1/: the truth of zz_syrk and persons, the resolver's cluster
    tables (parquet), so tests can compare the two days."""
    from yiwang.warehouse import build

    with _copy_as_home(landed_city, tmp_path_factory, "day2") as home:
        first = build("duckdb")
        if not first.ok:
            pytest.fail(f"day 1 did not build: {first.error or [n.unique_id for n in first.failed]}")
        keep = home / "day1"
        keep.mkdir()
        for truth_file in ("grid_platform__zz_syrk.parquet", "persons.parquet"):
            shutil.copy(home / "sources" / "truth" / truth_file, keep)
        with open_built(home) as con:
            for table in ("person_clusters", "house_clusters", "legal_entity_clusters", "matter_clusters"):
                con.execute(f"select * from resolution.{table}").df().to_parquet(keep / f"{table}.parquet")
        simulate(home / "sources", scale="tiny", day=2)
        extract_everything(home)
        second = build("duckdb")
    if not second.ok:
        pytest.fail(f"day 2 did not build: {second.error or [(n.unique_id, n.message) for n in second.failed]}")
    return home


def open_built(home: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse of `built_city` (or any workspace at `home`)."""
    from yiwang.targets import DUCKDB_FILE

    return duckdb.connect(str(home / "warehouse" / DUCKDB_FILE), read_only=True)


def extracted_ok(home: Path) -> list[str]:
    """Tables whose day-1 extraction succeeded (see extract_results.json)."""
    doc = json.loads((home / "extract_results.json").read_text())
    return [name for name, r in doc.items() if r["status"] == "ok"]


def _soft_deleted(contract: SourceTable, value: object) -> bool:
    if not contract.soft_delete or value is None:
        return False
    deleted = {str(v).lower() for v in contract.soft_delete.get("deleted_values", [])}
    return str(value).lower() in deleted


def _quarantined_keys(contract: SourceTable) -> set[str]:
    table = read_landed(contract.platform, contract.table, quarantine=True)
    if table is None:
        return set()
    (key,) = contract.primary_key
    keys = set()
    for record in table.column("_yw_record").to_pylist():
        value = json.loads(record).get(key) if record else None
        if value is not None:
            keys.add(str(value))
    return keys


def live_keys(home: Path, contract: SourceTable) -> set[str]:
    """Business keys that still exist at the source (not deleted, not soft-deleted), as text.

    SQL platforms and the party API: read the simulator's SQLite stores. Party exports (full
    snapshots): the truth's `present` flag. Keys of rows quarantined at landing are left out.
    """
    (key,) = contract.primary_key
    sources = home / "sources"
    if contract.platform in SQL_STORES or contract.store == "http_api":
        path = sources / SQL_STORES[contract.platform] if contract.platform in SQL_STORES else api_db_path(sources)
        soft = contract.soft_delete["column"] if contract.soft_delete else None
        columns = f'"{key}"' + (f', "{soft}"' if soft else "")
        with sqlite3.connect(path) as con:
            rows = con.execute(f'select {columns} from "{contract.table}"').fetchall()
        keys = {str(r[0]) for r in rows if not (soft and _soft_deleted(contract, r[1]))}
    else:
        truth = pd.read_parquet(sources / "truth" / f"{contract.platform}__{contract.table}.parquet")
        keys = set(truth.loc[truth["present"].astype(bool), "source_key"].astype(str))
    return keys - _quarantined_keys(contract)


def contracts_by_name() -> dict[str, SourceTable]:
    return {t.qualified_name: t for t in source_tables()}


__all__ = [
    "built_city",
    "city_workspace",
    "contracts_by_name",
    "day2_city",
    "extract_everything",
    "extracted_ok",
    "landed_city",
    "landed_tables",
    "live_keys",
    "open_built",
]
