"""schemas/warehouse is well formed: keys exist, references resolve, names follow the conventions."""

from __future__ import annotations

import re
import shutil

import pytest

from yiwang.contracts import ContractError, schemas_root, warehouse_models


def test_every_domain_has_a_model_and_keys_are_not_null():
    models = warehouse_models()
    assert {m.domain for m in models.values()} == {"grid", "population", "housing", "legal_entity", "event", "lineage"}
    for m in models.values():
        for key in m.primary_key:
            assert not m.column(key).nullable, f"{m.model}.{key}"
        assert all(c.chinese for c in m.columns), m.model


def test_column_names_follow_the_conventions():
    for m in warehouse_models().values():
        for c in m.columns:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", c.name), c.name
            if c.type == "timestamp":
                assert c.name.endswith("_at"), f"{m.model}.{c.name}: UTC timestamps end in _at"
            if c.type == "date":
                assert c.name.endswith("_date"), f"{m.model}.{c.name}: dates end in _date"
            if c.type == "boolean":
                assert c.name.startswith(("is_", "has_")) or c.name.endswith("_is_valid"), f"{m.model}.{c.name}"


def test_a_dangling_reference_names_the_file(tmp_path):
    root = tmp_path / "schemas"
    shutil.copytree(schemas_root(), root)
    path = root / "warehouse" / "residence.yml"
    path.write_text(path.read_text("utf-8").replace("dim_house.house_key", "dim_home.house_key"), "utf-8")
    with pytest.raises(ContractError, match=r"residence\.yml.*dim_home\.house_key"):
        warehouse_models(root)


def test_every_mart_has_a_model_and_an_enforced_generated_contract():
    """Each schemas/warehouse file has its dbt model in marts/<domain>/ and a generated, enforced
    contract listing exactly the schema's columns, in order, with the schema's tests."""
    import yaml

    from yiwang.warehouse.generate import MARTS_DIR, marts_path

    for m in warehouse_models().values():
        assert (MARTS_DIR / m.domain / f"{m.model}.sql").is_file(), f"no dbt model for {m.model} in marts/{m.domain}/"
        doc = yaml.safe_load(marts_path(m.domain).read_text(encoding="utf-8"))
        (entry,) = [e for e in doc["models"] if e["name"] == m.model]
        assert entry["config"]["contract"]["enforced"] is True
        assert [c["name"] for c in entry["columns"]] == m.column_names
        for schema_column, column in zip(m.columns, entry["columns"], strict=True):
            assert column["description"].startswith(schema_column.chinese)
            tests = column.get("data_tests", [])
            assert ("not_null" in tests) == (not schema_column.nullable), f"{m.model}.{column['name']}"


def test_a_schema_change_makes_the_generated_contract_stale(tmp_path, monkeypatch):
    """Drift: edit a schema file (a new column) and the generator's --check reports the mart's file."""
    from yiwang.contracts import _load_warehouse
    from yiwang.warehouse import generate

    root = tmp_path / "schemas"
    shutil.copytree(schemas_root(), root)
    path = root / "warehouse" / "grid.yml"
    path.write_text(path.read_text("utf-8") + "  - {name: grid_area_m2, chinese: 网格面积, type: float}\n", "utf-8")
    monkeypatch.setenv("YIWANG_SCHEMAS_DIR", str(root))
    _load_warehouse.cache_clear()
    try:
        stale = [p for p, text in generate.marts_files().items() if p.read_text(encoding="utf-8") != text]
    finally:
        _load_warehouse.cache_clear()
    assert stale == [generate.marts_path("grid")]
