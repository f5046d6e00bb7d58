"""Row filters: the allowed conditions compile with bound parameters; injections are refused
before anything runs, at config load and at export."""

from __future__ import annotations

import duckdb
import pytest

from yiwang.share.config import ConfigError, load_departments
from yiwang.share.row_filter import FilterError, compile_filter

INJECTIONS = [
    "false; copy (select id_number, person_name, phone from marts.dim_person) to 'leak.csv'; select 1",
    "current_grid_code like '330602%'; drop table marts.dim_person",
    "phone = (select phone from marts.dim_person limit 1)",
    "current_grid_code in (select grid_code from read_csv('/etc/passwd'))",
    "current_grid_code in (select grid_code from marts.dim_grid union select id_number from marts.dim_person)",
    "current_grid_code in (select grid_code from main.secrets)",
    "length(id_number) > 0",
    "current_grid_code like '3306%' or getenv('HOME') is not null",
    "cast(id_number as int) > 0",
    "exists (select 1 from marts.dim_person)",
    "no_such_column = 1",
    "current_grid_code = '1' -- ' or true",
    "current_grid_code = 'x'' or ''1''=''1'",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_are_refused_or_harmless(text):
    try:
        compiled = compile_filter(text, "dim_person")
    except FilterError:
        return
    # what compiles is only comparisons whose literals are bound parameters
    assert "'" not in compiled.sql and ";" not in compiled.sql and "--" not in compiled.sql, compiled


def test_allowed_conditions_compile_with_bound_parameters():
    compiled = compile_filter(
        "current_grid_code like '330602%' and sex in ('male', 'female') and not is_floating "
        "and birth_date between '1940-01-01' and '1960-12-31' and phone is not null and platform_count >= -1",
        "dim_person",
    )
    assert "'" not in compiled.sql
    assert compiled.params == ["330602%", "male", "female", "1940-01-01", "1960-12-31", -1]
    semi = compile_filter(
        "house_key in (select house_key from marts.dim_house where grid_code like '330602%')", "fct_residence"
    )
    assert semi.params == ["330602%"] and 'warehouse.marts."dim_house"' in semi.sql


def test_a_filter_runs_as_the_condition_it_says(tmp_path):
    con = duckdb.connect()
    con.execute("attach ':memory:' as warehouse")
    con.execute("create schema warehouse.marts")
    con.execute("create table warehouse.marts.dim_person (current_grid_code varchar, sex varchar)")
    con.execute("insert into warehouse.marts.dim_person values ('330602001', 'male'), ('330604001', 'female')")
    text = "current_grid_code = '330602001'' or ''1''=''1' or sex = 'female'"
    compiled = compile_filter(text, "dim_person")
    rows = con.execute(f"select sex from warehouse.marts.dim_person where {compiled.sql}", compiled.params).fetchall()
    assert rows == [("female",)]  # the quote stayed inside the literal


def test_an_injected_filter_is_a_config_error_and_writes_nothing(tmp_path, monkeypatch):
    config = tmp_path / "subscriptions.yml"
    leak = tmp_path / "leak.csv"
    config.write_text(
        f"""
departments:
  - id: probe
    subscriptions:
      - dataset: dim_person
        share_type: 无条件共享
        purpose: probe
        row_filter: "false; copy (select id_number, person_name, phone from dim_person) to '{leak}'; select 1"
        columns: {{sex: none}}
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="row_filter: a row filter is one condition, not 3 statements"):
        load_departments(config)
    assert not leak.exists()
