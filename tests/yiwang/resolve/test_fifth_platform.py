"""A fifth platform end to end from one folder of YAML and SQL (tests/fixtures/market_supervision):
its contracts, connector, staging and mention models are overlaid on copies of schemas/ and
dbt_project/; the tiny city plus the new platform's SQLite store are extracted, built and resolved."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from warehouse_city import open_built

from connectors import extract, load_registry, select_tables
from yiwang.share.fixlists import write_fixlists
from yiwang.warehouse import build, generate

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "market_supervision"
PLATFORM = "market_supervision"


def _overlay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Copies of schemas/ and dbt_project/ with the fixture laid over them, the generated staging
    sources and contracts macro regenerated; returns (dbt project, connectors root)."""
    schemas, project = tmp_path / "schemas", tmp_path / "dbt_project"
    shutil.copytree(ROOT / "schemas", schemas)
    shutil.copytree(ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    shutil.copytree(FIXTURE / "schemas", schemas, dirs_exist_ok=True)
    shutil.copytree(FIXTURE / "dbt_project", project, dirs_exist_ok=True)
    monkeypatch.setenv("YIWANG_SCHEMAS_DIR", str(schemas))
    monkeypatch.setenv("YIWANG_DBT_PROJECT_DIR", str(project))
    staging = project / "models" / "staging"
    for path, text in generate.generated_files(staging).items():
        if path == generate.CONTRACTS_MACRO:
            path = project / path.relative_to(generate.PROJECT_DIR)
        elif not path.is_relative_to(staging):
            continue  # marts contracts and quality suites do not change with a platform
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return project, FIXTURE / "connectors"


def _register(home: Path) -> pd.DataFrame:
    """The new platform's store: businesses of the grid's organisations (same credit codes), whose
    legal representatives are grid residents (same ID numbers), and one business the city lacks."""
    grid = sqlite3.connect(home / "sources" / "grid_platform.sqlite")
    organisations = pd.read_sql("select dwmc, tyshxydm, dwdz from zz_dw where length(tyshxydm) = 18 limit 3", grid)
    residents = pd.read_sql("select xm, gmsfhm from zz_syrk where length(gmsfhm) = 18 limit 3", grid)
    grid.close()
    rows = pd.DataFrame(
        {
            "djbh": ["QY0001", "QY0002", "QY0003"],
            "qymc": organisations.dwmc,
            "tyshxydm": organisations.tyshxydm,
            "fddbr": residents.xm,
            "fddbrzjhm": residents.gmsfhm,
            "zs": organisations.dwdz,
            "gxsj": "2026-01-01 09:00:00",
        }
    )
    extra = {"djbh": "QY0004", "qymc": "绍兴新登记贸易有限公司", "tyshxydm": None, "fddbr": "钱新登"}
    rows = pd.concat(
        [rows, pd.DataFrame([extra | {"fddbrzjhm": None, "zs": "越城区新登路1号", "gxsj": "2026-01-01 09:00:00"}])]
    )
    store = sqlite3.connect(home / "sources" / f"{PLATFORM}.sqlite")
    rows.to_sql("scjg_qydj", store, index=False)
    store.close()
    return rows


def test_a_fifth_platform_is_extracted_built_resolved_and_gets_a_fix_list(
    city_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, connectors_root = _overlay(tmp_path, monkeypatch)
    rows = _register(city_workspace)
    results = extract(select_tables(load_registry(connectors_root), PLATFORM))
    assert [r.status for r in results] == ["ok"], [r.error for r in results]

    built = build("duckdb")
    assert built.ok, built.error or [(n.unique_id, n.message) for n in built.failed]

    with open_built(city_workspace) as con:
        people = con.execute(
            "select m.source_key, m.id_number, c.person_key from intermediate.int_person_mentions as m"
            " join resolution.person_clusters as c using (mention_id) where m.source_platform = ?",
            [PLATFORM],
        ).df()
        assert sorted(people.source_key) == sorted(rows.djbh)
        residents = con.execute(
            "select m.id_number, c.person_key from intermediate.int_person_mentions as m"
            " join resolution.person_clusters as c using (mention_id) where m.person_role = 'resident'"
        ).df()
        linked = people.dropna(subset=["id_number"]).merge(residents, on="id_number", suffixes=("", "_resident"))
        assert set(linked.source_key) == {"QY0001", "QY0002", "QY0003"}
        assert (linked.person_key == linked.person_key_resident).all()

        entities = con.execute(
            "select m.source_platform, m.source_key, m.credit_code, c.legal_entity_key"
            " from intermediate.int_legal_entity_mentions as m"
            " join resolution.legal_entity_clusters as c using (mention_id)"
        ).df()
        ours = entities[entities.source_platform == PLATFORM]
        assert sorted(ours.source_key) == sorted(rows.djbh)
        grid = entities[entities.source_platform == "grid_platform"]
        shared = ours.dropna(subset=["credit_code"]).merge(grid, on="credit_code", suffixes=("", "_grid"))
        assert set(shared.source_key) == {"QY0001", "QY0002", "QY0003"}
        assert (shared.legal_entity_key == shared.legal_entity_key_grid).all()

        # reconciliation: every mention of every platform is in exactly one cluster
        for entity in ("person", "legal_entity", "house"):
            mentions = con.execute(f"select count(*) from intermediate.int_{entity}_mentions").fetchone()[0]
            clustered = con.execute(
                f"select count(distinct mention_id), count(*) from resolution.{entity}_clusters"
            ).fetchone()
            assert clustered == (mentions, mentions), entity

    con = duckdb.connect()
    con.execute(f"attach '{city_workspace / 'warehouse' / 'yiwang.duckdb'}' as warehouse (read_only)")
    try:
        files = write_fixlists(con, "probe", tmp_path / "fixlists")
    finally:
        con.close()
    fixes = pd.read_csv(files[PLATFORM], encoding="utf-8-sig", dtype=str)
    missing = fixes[fixes.issue == "missing_id_number"]
    assert list(missing.source_key) == ["QY0004"] and set(missing.source_table) == {"scjg_qydj"}
