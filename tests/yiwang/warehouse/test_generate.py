"""yiwang.warehouse.generate: the marts' contracts as the generator writes them from schemas/warehouse."""

from __future__ import annotations

import jinja2
import yaml

from yiwang.contracts import warehouse_models
from yiwang.warehouse import generate


def _models(domain: str) -> dict[str, dict]:
    doc = yaml.safe_load(generate.marts_files()[generate.marts_path(domain)])
    return {m["name"]: m for m in doc["models"]}


def test_the_checked_in_files_are_current() -> None:
    assert generate.main(["--check"]) == 0


def test_contract_types_render_per_target() -> None:
    """The Jinja data_type names each logical type in the target's own words."""
    for logical, on_duckdb, on_postgres in [
        ("string", "varchar", "text"),
        ("integer", "integer", "integer"),
        ("float", "double", "double precision"),
        ("boolean", "boolean", "boolean"),
        ("date", "date", "date"),
        ("timestamp", "timestamp", "timestamp without time zone"),
    ]:
        template = jinja2.Template(generate.contract_type(logical))
        assert template.render(target={"type": "duckdb"}) == on_duckdb
        assert template.render(target={"type": "postgres"}) == on_postgres


def test_tests_follow_the_schema() -> None:
    """not_null, unique primary key, accepted_values from `allowed`, relationships from
    `references`, a unique combination for a composite key, extra tests (the ID checksum)."""
    person = _models("population")["dim_person"]
    columns = {c["name"]: c for c in person["columns"]}
    assert person["config"]["contract"] == {"enforced": True}
    assert columns["person_key"]["data_tests"] == ["not_null", "unique"]
    assert {"accepted_values": {"arguments": {"values": ["male", "female"]}}} in columns["sex"]["data_tests"]
    relation = {"relationships": {"arguments": {"to": "ref('dim_house')", "field": "house_key"}}}
    assert relation in columns["current_house_key"]["data_tests"]
    checksum = {"yw_id_number_checksum": {"arguments": {"id_number_column": "id_number"}}}
    assert checksum in columns["id_number_is_valid"]["data_tests"]
    assert (
        columns["id_number"]["description"].startswith("公民身份号码")
        and "[PII: direct]" in columns["id_number"]["description"]
    )
    residence = _models("population")["fct_residence"]
    combination = {"yw_unique_combination": {"arguments": {"columns": ["person_key", "house_key", "valid_from_at"]}}}
    assert combination in residence["data_tests"]


def test_every_schema_file_is_generated_once() -> None:
    generated = {m["name"] for path, text in generate.marts_files().items() for m in yaml.safe_load(text)["models"]}
    assert generated == set(warehouse_models())
    assert {"fct_event", "fct_event_stage", "dim_division", "dim_grid"} <= generated


def test_write_or_check_names_a_stale_file_and_writes_only_when_asked(tmp_path, capsys):
    from yiwang.warehouse.generate import write_or_check

    path = tmp_path / "out" / "generated.yml"
    assert write_or_check({path: "a: 1\n"}, check=True) == 1 and not path.exists()
    assert "stale" in capsys.readouterr().err
    assert write_or_check({path: "a: 1\n"}, check=False) == 0 and path.read_text() == "a: 1\n"
    assert write_or_check({path: "a: 1\n"}, check=True) == 0
