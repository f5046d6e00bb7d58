"""The dbt project's files agree with the contracts and follow the layout (no warehouse needed)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from sqlfluff.core import FluffConfig, Linter

from yiwang.contracts import source_platforms, source_tables
from yiwang.warehouse.generate import generated_files

PROJECT = Path(__file__).resolve().parents[3] / "dbt_project"
STAGING = PROJECT / "models" / "staging"
LINEAGE = ["_yw_platform", "_yw_table", "_yw_run_id", "_yw_extracted_at", "_yw_row_hash"]
DESCRIPTION = re.compile(r"^(?P<chinese>[^ ]+) \((?P<column>[^)]+)\): \S")


def _models_yaml(platform: str) -> list[dict]:
    return yaml.safe_load((STAGING / platform / f"_{platform}__models.yml").read_text(encoding="utf-8"))["models"]


def test_generated_sources_are_current() -> None:
    fix = "run: uv run python -m yiwang.warehouse.generate"
    for path, text in generated_files().items():
        assert path.is_file(), f"{path} is missing; {fix}"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale; {fix}"


def test_one_folder_per_platform_with_one_yaml_of_each_kind() -> None:
    platforms = set(source_platforms())
    folders = {p.name for p in STAGING.iterdir() if p.is_dir()}
    assert folders == platforms
    for platform in platforms:
        names = {p.name for p in (STAGING / platform).iterdir()}
        support = {f"_{platform}__sources.yml", f"_{platform}__models.yml", f"_{platform}__docs.md"}
        assert support <= names, platform
        others = names - support
        assert all(re.fullmatch(rf"stg_{platform}__[a-z_]+s\.sql", n) for n in others), others


def test_one_staging_model_per_contract_table() -> None:
    models: dict[tuple[str, str], list[str]] = {}
    for sql in STAGING.glob("*/stg_*.sql"):
        for platform, table in re.findall(r"yw_latest_state\('([a-z_]+)', '([a-z_]+)'\)", sql.read_text()):
            assert platform == sql.parent.name, sql
            models.setdefault((platform, table), []).append(sql.stem)
    expected = {(t.platform, t.table) for t in source_tables()}
    assert set(models) == expected
    assert all(len(names) == 1 for names in models.values()), models


def test_every_column_is_documented_with_its_chinese_source_field() -> None:
    contracts = {(t.platform, t.table): t for t in source_tables()}
    sql_models = {p.stem: p for p in STAGING.glob("*/stg_*.sql")}
    documented = set()
    for platform in source_platforms():
        for model in _models_yaml(platform):
            name = model["name"]
            documented.add(name)
            sql = sql_models[name].read_text()
            ((_, table),) = re.findall(r"yw_latest_state\('([a-z_]+)', '([a-z_]+)'\)", sql)
            contract = contracts[(platform, table)]
            assert model.get("description"), name
            columns = [c["name"] for c in model["columns"]]
            assert len(columns) == len(set(columns)), name
            assert columns[-len(LINEAGE) :] == LINEAGE, name
            for column in model["columns"][: -len(LINEAGE)]:
                match = DESCRIPTION.match(column.get("description", ""))
                assert match, f"{name}.{column['name']}: description must start with '中文名 (source_column): '"
                source = contract.column(match["column"])
                assert match["chinese"] == source.chinese, f"{name}.{column['name']}"
                assert column["name"] in sql, f"{name}.{column['name']} is documented but not in the SQL"
            for column in model["columns"][-len(LINEAGE) :]:
                assert "doc(" in column["description"], f"{name}.{column['name']}"
    assert documented == set(sql_models)


def test_keys_are_tested_unique_and_not_null() -> None:
    for platform in source_platforms():
        for model in _models_yaml(platform):
            first = model["columns"][0]
            assert first["name"].endswith("_id") or first["name"] == "grid_code", model["name"]
            assert {"unique", "not_null"} <= set(first.get("data_tests", [])), model["name"]


def test_column_names_follow_the_conventions() -> None:
    for platform in source_platforms():
        for model in _models_yaml(platform):
            for column in model["columns"]:
                name = column["name"]
                assert re.fullmatch(r"_?[a-z][a-z0-9_]*", name), name
                if name.startswith("_yw_"):
                    continue
                assert not name.endswith(("_time", "_dt", "_ts", "_no", "_num", "_tel")), name


def test_profiles_read_the_environment_with_local_defaults() -> None:
    profiles = yaml.safe_load((PROJECT / "profiles.yml").read_text())["yiwang"]
    outputs = profiles["outputs"]
    assert set(outputs) == {"duckdb", "postgres"}
    assert "env_var('YIWANG_WAREHOUSE_PATH'" in outputs["duckdb"]["path"]
    for key in ("host", "port", "user", "password", "dbname"):
        assert "env_var('YIWANG_WAREHOUSE_POSTGRES_" in str(outputs["postgres"][key]), key
    assert outputs["duckdb"]["threads"] == outputs["postgres"]["threads"] == 4


def test_folders_set_materialisation_and_schema() -> None:
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())
    models = project["models"]["yiwang"]
    for folder in ("staging", "intermediate", "marts"):
        assert models[folder]["+schema"] == folder
        assert models[folder]["+materialized"] in ("table", "view", "incremental")
    # staging is incremental (yw_latest_state): merged by its own hooks, a changed model fails loudly
    assert models["staging"]["+materialized"] == "incremental"
    assert models["staging"]["+on_schema_change"] == "fail"
    for sql in (PROJECT / "models").rglob("*.sql"):
        assert "config(" not in sql.read_text(), f"{sql}: set materialisation per folder in dbt_project.yml"


def test_models_pass_sqlfluff(monkeypatch) -> None:
    """Lower-case keywords and explicit aliases (dbt_project/.sqlfluff)."""
    import dbt

    # sqlfluff registers its library_path stand-ins as sys.modules["dbt"]: left there, every later
    # dbt run in this test process would resolve `dbt.adapters` on the stand-in and fail
    monkeypatch.setitem(sys.modules, "dbt", dbt)
    config = FluffConfig.from_path(str(PROJECT))
    records = Linter(config=config).lint_paths((str(PROJECT / "models"),)).as_records()
    assert len(records) >= 13
    problems = [(r["filepath"], v["code"], v["description"]) for r in records for v in r["violations"]]
    assert not problems, problems
