"""The division-code seed (dbt_project/seeds/division/division_codes.csv) agrees with its generator
and with the simulated city's geography."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from yiwang.simulate.geography import build_geography
from yiwang.simulate.write_day import DEFAULT_SEED

SEEDS = Path(__file__).resolve().parents[4] / "dbt_project" / "seeds" / "division"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_division_codes", SEEDS / "generate_division_codes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> dict[str, dict[str, str]]:
    with open(SEEDS / "division_codes.csv", encoding="utf-8") as f:
        return {row["division_code"]: row for row in csv.DictReader(f)}


def test_the_committed_seed_is_what_the_generator_writes() -> None:
    generator = _generator()
    assert generator.main(["--check"]) == 0, "run: uv run python dbt_project/seeds/division/generate_division_codes.py"


def test_the_check_fails_when_the_seed_drifts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    stale = tmp_path / "division_codes.csv"
    stale.write_text((SEEDS / "division_codes.csv").read_text(encoding="utf-8").replace("越城区", "越城县"), "utf-8")
    monkeypatch.setattr(generator, "OUTPUT", stale)
    assert generator.main(["--check"]) == 1


def test_abolished_codes_stay_with_their_successor() -> None:
    rows = _rows()
    for old, new, name in (("330621", "330603", "绍兴县"), ("330682", "330604", "上虞市")):
        assert rows[old]["division_name"] == name
        assert rows[old]["valid_to_date"] == "2013-10-18"
        assert rows[old]["successor_code"] == new
        assert rows[new]["valid_from_date"] == "2013-10-18" and rows[new]["valid_to_date"] == ""


def test_codes_are_well_formed_and_parents_exist() -> None:
    rows = _rows()
    for code, row in rows.items():
        level = row["division_level"]
        assert len(code) == {"city": 6, "district": 6, "street": 9, "community": 12}[level], code
        assert row["statistical_code"] == code.ljust(12, "0")
        if level != "city":
            assert row["parent_code"] in rows, code
            assert code.startswith(row["parent_code"][: len(code) - 3]), code
        assert (row["is_village"] == "true") == (level == "street" and row["division_name"].endswith("镇"))


def test_the_simulators_streets_are_in_the_seed_with_their_names() -> None:
    """A simulated city of 400,000 people (34 streets and towns in all six districts) uses the seed's codes."""
    geo = build_geography(DEFAULT_SEED, 400_000)
    rows = _rows()
    assert len(geo.streets) > 30 and geo.streets.is_town.any()
    for street in geo.streets.itertuples():
        assert rows[street.street_code]["division_name"] == street.name
        assert rows[street.street_code]["parent_code"] == street.district_code
    for district in geo.districts.itertuples():
        assert rows[district.district_code]["division_name"] == district.name
