"""schemas/sources is complete and well formed; malformed contracts fail with the file named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yiwang.contracts import ContractError, schemas_root, source_platforms, source_table

PLATFORMS = {"urban_management", "hotline", "grid_platform", "party_building"}


def test_every_platform_and_table_loads():
    platforms = source_platforms()
    assert set(platforms) == PLATFORMS
    for p in platforms.values():
        assert p.tables, p.name
        for t in p.tables.values():
            assert t.chinese and t.columns
            assert all(c.chinese for c in t.columns), f"{t.qualified_name}: every column carries its Chinese name"
            # the key and cursor columns can never be null
            for name in [*t.primary_key, *([t.cursor] if t.cursor else [])]:
                assert not t.column(name).nullable, f"{t.qualified_name}.{name}"
            assert t.arrow_schema().names == t.column_names


def test_contracts_say_what_personal_data_is():
    tables = source_platforms()["grid_platform"].tables.values()
    direct = {c.name for t in tables for c in t.columns if c.pii == "direct"}
    assert {"gmsfhm", "xm", "lxdh"} <= direct
    assert source_table("party_building", "members").column("身份证号").pii == "direct"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(schemas_root(), root)
    return root


def test_a_bad_type_names_the_file(tmp_path):
    root = _copy(tmp_path)
    path = root / "sources" / "hotline" / "t_gd_lzjl.yml"
    path.write_text(path.read_text("utf-8").replace("type: integer", "type: int", 1), "utf-8")
    with pytest.raises(ContractError, match=r"t_gd_lzjl\.yml.*type 'int'"):
        source_platforms(root)


def test_a_missing_key_column_names_the_file(tmp_path):
    root = _copy(tmp_path)
    path = root / "sources" / "hotline" / "t_gd_lzjl.yml"
    path.write_text(path.read_text("utf-8").replace("primary_key: [lzid]", "primary_key: [id]"), "utf-8")
    with pytest.raises(ContractError, match="primary key column 'id' is not a column"):
        source_platforms(root)


def test_unknown_tables_are_refused_clearly():
    with pytest.raises(KeyError, match=r"unknown table hotline\.nope"):
        source_table("hotline", "nope")


def test_an_unquoted_comma_in_a_description_is_refused(tmp_path):
    root = _copy(tmp_path)
    path = root / "sources" / "hotline" / "t_gd_lzjl.yml"
    path.write_text(
        path.read_text("utf-8").replace('"Step time, local time (the cursor)"', "Step time, local time"), "utf-8"
    )
    with pytest.raises(ContractError, match="unknown keys"):
        source_platforms(root)
