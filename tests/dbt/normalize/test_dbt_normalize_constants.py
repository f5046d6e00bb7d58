"""The generated constants macro (_yw_normalize_constants.sql) is what its generator writes from
the Python tables and OpenCC today, so the SQL normalisers cannot drift from yiwang.normalize."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import opencc

from yiwang.normalize import identity, names, sex

MACROS = Path(__file__).resolve().parents[3] / "dbt_project" / "macros" / "normalize"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_constants", MACROS / "generate_constants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_constants_are_what_the_generator_writes() -> None:
    generator = _generator()
    committed = (MACROS / "_yw_normalize_constants.sql").read_text(encoding="utf-8")
    assert committed == generator.render(), (
        "dbt_project/macros/normalize/_yw_normalize_constants.sql is stale: "
        "run `uv run python dbt_project/macros/normalize/generate_constants.py`"
    )
    assert generator.main(["--check"]) == 0


def test_generated_tables_hold_what_the_python_normalisers_use() -> None:
    text = (MACROS / "_yw_normalize_constants.sql").read_text(encoding="utf-8")
    for code in identity.PROVINCE_CODES:
        assert f"'{code}'" in text
    for word in ("匿名", "不详", "来电人", "'null'"):
        assert word in text
    assert all(surname in text for surname in names.COMPOUND_SURNAMES)
    assert all(key in text for key, code in sex.SEX_CODES.items() if code in "12")


def test_t2s_table_is_character_level_opencc() -> None:
    t2s_from, t2s_to = _generator()._t2s_pairs()
    assert len(t2s_from) == len(t2s_to) > 4000
    converter = opencc.OpenCC("t2s")
    for a, b in list(zip(t2s_from, t2s_to, strict=True))[::97]:
        assert converter.convert(a) == b
    assert dict(zip(t2s_from, t2s_to, strict=True))["劉"] == "刘"
