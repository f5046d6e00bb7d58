"""The committed GX suites agree with schemas/ (and quality/expectations.yml)."""

from __future__ import annotations

import json

from quality.suites import (
    SUITES_DIR,
    generate,
    landing_suite_name,
    load_suite,
    ref_column,
    warehouse_suite_name,
)
from yiwang.contracts import source_tables, warehouse_models


def _committed() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SUITES_DIR.glob("*.json")}


def test_committed_suites_equal_the_generated_ones():
    assert _committed() == generate(), "suites drifted from schemas/: run `python -m quality.suites`"


def _kinds(suite: dict) -> set[tuple]:
    out = set()
    for e in suite["expectations"]:
        kw = e["kwargs"]
        out.add((e["type"], kw.get("column") or tuple(kw.get("column_list") or ())))
    return out


def test_every_contract_rule_has_its_expectation():
    suites = _committed()
    for name, model in warehouse_models().items():
        kinds = _kinds(suites[warehouse_suite_name(name)])
        for c in model.columns:
            if not c.nullable:
                assert ("expect_column_values_to_not_be_null", c.name) in kinds, (name, c.name)
            if c.allowed:
                assert ("expect_column_values_to_be_in_set", c.name) in kinds, (name, c.name)
            if c.references:
                assert ("expect_column_values_to_be_in_set", ref_column(c.name)) in kinds, (name, c.name)
        key = list(model.primary_key)
        unique = (
            ("expect_column_values_to_be_unique", key[0])
            if len(key) == 1
            else (
                "expect_compound_columns_to_be_unique",
                tuple(key),
            )
        )
        assert unique in kinds, name
        columns = next(
            e
            for e in suites[warehouse_suite_name(name)]["expectations"]
            if e["type"] == "expect_table_columns_to_match_set"
        )
        assert set(columns["kwargs"]["column_set"]) >= {c.name for c in model.columns}
    for contract in source_tables():
        kinds = _kinds(suites[landing_suite_name(contract.platform, contract.table)])
        for c in contract.columns:
            assert ("expect_column_to_exist", c.name) in kinds
            if not c.nullable:
                assert ("expect_column_values_to_not_be_null", c.name) in kinds


def test_a_contract_change_is_drift(monkeypatch):
    import quality.suites as suites

    models = warehouse_models()
    first = next(iter(models))
    changed = dict(models)
    model = models[first]
    changed[first] = type(model)(**{**model.__dict__, "primary_key": (model.columns[1].name,)})
    monkeypatch.setattr(suites, "warehouse_models", lambda: changed)
    assert suites.generate() != _committed()


def test_suites_load_as_gx_suites():
    suite = load_suite(warehouse_suite_name("person_xref"))
    assert suite.name == "warehouse.person_xref"
    assert any(e.expectation_type == "expect_compound_columns_to_be_unique" for e in suite.expectations)
