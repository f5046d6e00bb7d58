"""schemas/warehouse is well formed: keys exist, references resolve, names follow the conventions."""

from __future__ import annotations

import re
import shutil

import pytest

from yiwang.contracts import ContractError, schemas_root, warehouse_models


def test_every_domain_has_a_model_and_keys_are_not_null():
    models = warehouse_models()
    assert {m.domain for m in models.values()} == {"grid", "population", "housing", "legal_entity", "event"}
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
