"""The dbt-duckdb plugin (dbt_project/plugins/yiwang_normalize_udfs.py) registers the Python
normalisers on the connections dbt opens, so DuckDB models can call what has no SQL macro
(standard_address_key, pinyin keys) next to the yw_* macros."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from yiwang.normalize import address_key, normalize_id_number, parse_person_name

PLUGINS = Path(__file__).resolve().parents[3] / "dbt_project" / "plugins"

pytestmark = pytest.mark.xdist_group("dbt_normalize")

VALUES = [
    "浙江省绍兴市越城区府山街道西小路123号锦麟花园3幢2单元502室",
    "越城区锦麟花园三号楼二单元502",
    "柯桥区平水镇同康村8组12号",
    "劉德華",
    "张 伟",
    "33060219900101123x",
    "330602900101123",
    None,
]


def _plugin_class():
    spec = importlib.util.spec_from_file_location("yiwang_normalize_udfs", PLUGINS / "yiwang_normalize_udfs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("yiwang_normalize_udfs", module)
    spec.loader.exec_module(module)
    return module.Plugin


def test_plugin_registers_the_udfs_once_per_connection() -> None:
    plugin = _plugin_class()(name="yiwang_normalize_udfs", plugin_config={})
    con = duckdb.connect()
    plugin.configure_connection(con)
    plugin.configure_connection(con)  # a second call (a reused connection) is a no-op
    cursor = con.cursor()  # dbt-duckdb runs threads as cursors: they see the functions
    assert cursor.sql("select standard_address_key('锦麟花园3-2-502')").fetchone() == ("锦麟花园|3|2|502",)


def test_dbt_models_call_the_udfs_and_the_macros(macro_project_factory) -> None:
    project = macro_project_factory()
    project.load("duckdb_plugin", {"corpus": pd.DataFrame({"id": range(len(VALUES)), "v": VALUES})})
    project.write_model(
        "with_udfs",
        "{{ config(materialized='table') }}\n"
        "select id, standard_address_key(v) as address_key, person_name_pinyin_key(v) as pinyin_key,\n"
        "    normalize_id_number(v) as id_number_udf, {{ yw_normalize_id_number('v') }} as id_number_macro\n"
        "from corpus\n",
    )
    project.run("duckdb_plugin", "with_udfs")
    got = {k: [None if pd.isna(x) else x for x in v] for k, v in project.read("duckdb_plugin", "with_udfs").items()}
    assert got["address_key"][:3] == ["锦麟花园|3|2|502", "锦麟花园|3|2|502", "同康村|8|12"]
    assert got["address_key"] == [address_key(v) if v else None for v in VALUES]
    assert got["pinyin_key"] == [parse_person_name(v).pinyin_key for v in VALUES]
    assert got["id_number_udf"] == [normalize_id_number(v) for v in VALUES]
    # the macro returns the cleaned number also when it is invalid (the UDF only valid ones)
    assert got["id_number_macro"][5:] == ["33060219900101123X", "330602199001011231", None]
