"""Drift against the last published version (quality/drift.py): a load that corrupts values is held.

After a good publish of the tiny city, a candidate with every ID number set to one value, every
person's sex swapped, or 8% of the phones blanked fails the gate and is not published, with the
reason in the check table (DuckDB; the sex swap and the ID collapse on PostgreSQL too); a normal
day 2 of the simulator trips no drift threshold; the first publish says it compared nothing; an
operator can accept an intended change; the SQL checksum is the normaliser's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import psycopg
import pytest
from warehouse_city import FIRST_PUBLISHED, extract_everything

from quality import check_landing, check_warehouse
from quality.drift import checksum_sql, sex_agrees_sql
from yiwang.normalize.identity import check_character
from yiwang.simulate import simulate
from yiwang.targets import CANDIDATE_SCHEMAS, Target, resolve_target
from yiwang.warehouse.build import build
from yiwang.warehouse.flow import publish
from yiwang.warehouse.publish import copy_table, make_candidate

FIRST = FIRST_PUBLISHED
CORRUPTIONS = {  # a broken load of dim_person → what the drift check must name
    "one-id-number": (
        "update {marts}.dim_person set id_number = (select min(id_number) from {marts}.dim_person) "
        "where id_number is not null",
        "distinct share id_number",
    ),
    "sex-swapped": (
        "update {marts}.dim_person set sex = case sex when 'male' then 'female' when 'female' then 'male' end",
        "sex agrees with ID number sex",
    ),
    "phones-nulled": (
        # 8% of the filled phones, picked by a hash of the key
        "update {marts}.dim_person set phone = null where person_key in (select person_key from "
        "{marts}.dim_person where phone is not null order by md5(person_key) "
        "limit (select cast(count(phone) * 0.08 as integer) from {marts}.dim_person))",
        "null share phone",
    ),
}


def _drift_failures(gate) -> dict[str, str]:
    return {c.name: c.detail for c in gate.failed if c.name.startswith("drift")}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _duckdb_candidate(statement: str) -> Target:
    candidate = make_candidate("duckdb")
    with duckdb.connect(str(candidate.duckdb_path)) as con:
        con.execute(statement.format(marts="marts"))
    return candidate


@pytest.mark.slow
def test_corrupted_values_are_held_with_the_reason_and_an_intended_change_can_be_accepted(published_city: Path):
    published = published_city / "warehouse" / "yiwang.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        run_id, doc = con.execute("select run_id, profile from quality.published_profile").fetchone()
    assert run_id == FIRST and json.loads(doc)["marts"]["dim_person"]["rows"] > 1000  # stored with the version
    before = _sha(published)

    nothing = Target("duckdb", duckdb_path=published_city / "nothing-published.duckdb")
    first = check_warehouse(make_candidate("duckdb"), published=nothing)
    (skipped,) = [c for c in first.checks if c.name.startswith("drift")]
    assert skipped.ok and "first publish" in skipped.detail  # nothing published yet: it says so

    clean = publish("duckdb", candidate=make_candidate("duckdb"))  # the same marts again: no drift
    assert clean.published, (clean.error, _drift_failures(clean.gate))
    assert any(c.name == "drift dim_person" and c.ok for c in clean.gate.checks)
    assert clean.gate.extra["drift_compared_with"] == f"the profile stored with published run {FIRST}"
    before = _sha(published)

    for case, (statement, reason) in CORRUPTIONS.items():
        result = publish("duckdb", candidate=_duckdb_candidate(statement))
        assert not result.published, case
        failures = _drift_failures(result.gate)
        assert set(failures) == {"drift dim_person"}, (case, failures)
        assert reason in failures["drift dim_person"] and "error" not in failures["drift dim_person"], failures
        assert _sha(published) == before, case
    latest = (published_city / "quality" / "latest" / "warehouse.json").read_text()
    assert "null share phone" in latest  # the reason is in the archived check table

    # an intended big change: reported, accepted, published
    statement, reason = CORRUPTIONS["sex-swapped"]
    accepted = publish("duckdb", candidate=_duckdb_candidate(statement), accept_drift=True)
    assert accepted.published, accepted.error
    (check,) = [c for c in accepted.gate.checks if c.name == "drift dim_person"]
    assert check.ok and check.detail.startswith("accepted (--accept-drift)") and reason in check.detail


@pytest.mark.slow
def test_a_version_published_without_a_profile_is_profiled_from_its_marts(published_city: Path):
    published = published_city / "warehouse" / "yiwang.duckdb"
    with duckdb.connect(str(published)) as con:  # as published before profiles were kept
        con.execute("drop table quality.published_profile")
    statement, reason = CORRUPTIONS["one-id-number"]
    result = publish("duckdb", candidate=_duckdb_candidate(statement))
    assert not result.published
    assert result.gate.extra["drift_compared_with"] == "a profile of the published marts (none stored)"
    assert reason in _drift_failures(result.gate)["drift dim_person"]


@pytest.mark.slow
def test_a_normal_day_2_trips_no_drift_threshold(published_city: Path):
    """The simulator's day 2 (about 1% of the records change) against the published day 1."""
    simulate(published_city / "sources", scale="tiny", day=2)
    extract_everything(published_city)
    check_landing()
    candidate = make_candidate("duckdb")
    built = build(candidate)
    assert built.ok, built.error or [n.unique_id for n in built.failed]
    gate = check_warehouse(candidate, published=resolve_target("duckdb"))
    assert gate.error is None, gate.error
    drift = [c for c in gate.checks if c.name.startswith("drift")]
    assert len(drift) >= 16 + 4  # every mart and every platform compared
    assert not _drift_failures(gate), _drift_failures(gate)
    (person,) = [c for c in drift if c.name == "drift dim_person"]
    assert int(person.detail.split(" expectations")[0]) >= 10, person.detail  # compared, not skipped


@pytest.mark.slow
@pytest.mark.postgres
def test_corrupted_values_are_held_on_postgres(city_workspace: Path, postgres_database: str, monkeypatch):
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    assert check_landing().ok
    first = publish("postgres", run_id=FIRST)
    assert first.published, first.error or [c.name for c in first.gate.failed]
    assert any(c.name == "drift" and "first publish" in c.detail for c in first.gate.checks)
    target = resolve_target("postgres")
    with psycopg.connect(target.postgres_conninfo(), autocommit=True) as con:
        (run_id,) = con.execute("select run_id from quality.published_profile").fetchone()
        assert run_id == FIRST

        def copied() -> Target:
            candidate = make_candidate(target)
            for schema in CANDIDATE_SCHEMAS:
                tables = con.execute("select tablename from pg_tables where schemaname = %s", [schema]).fetchall()
                for (table,) in tables:
                    copy_table(con, schema, candidate.schema(schema), table)
            return candidate

        clean = publish(target, candidate=copied())  # every drift expectation runs in PostgreSQL, and passes
        assert clean.published, (clean.error, _drift_failures(clean.gate))
        (person,) = [c for c in clean.gate.checks if c.name == "drift dim_person"]
        assert "error" not in person.detail and int(person.detail.split(" expectations")[0]) >= 10
        for case in ("sex-swapped", "one-id-number"):
            statement, reason = CORRUPTIONS[case]
            candidate = copied()
            con.execute(statement.format(marts=f'"{candidate.schema("marts")}"'))
            result = publish(target, candidate=candidate)
            assert not result.published, case
            failures = _drift_failures(result.gate)
            assert set(failures) == {"drift dim_person"}, (case, failures)
            assert reason in failures["drift dim_person"] and "error" not in failures["drift dim_person"], failures
        (served,) = con.execute("select count(distinct id_number) from marts.dim_person").fetchone()
        assert served > 1000  # readers still see the good version


def _id_numbers() -> list[tuple[str, bool]]:
    """Numbers with the right check character, the same with a wrong one, and malformed text."""
    out = []
    for first17 in ("11010519491231002", "33060219900307123", "44030419850101456"):
        good = first17 + check_character(first17)
        wrong = first17 + ("0" if good[-1] != "0" else "1")
        out += [(good, True), (wrong, False)]
    return [*out, ("1101051949123100", False), ("11010519491231002x", False), ("abc", False), ("", False)]


@pytest.mark.postgres
def test_the_sql_checksum_and_sex_agreement_match_the_normaliser(postgres_database):
    numbers = _id_numbers()
    rows = ", ".join(f"('{n}')" for n, _ in numbers) + ", (null)"
    sex = sex_agrees_sql("v", "s", "male", "female")
    query = f"select v, {checksum_sql('v')}, {sex} from (select v, 'male' as s from (values {rows}) as t(v)) as u"
    expected = [(n, ok, (n[16] in "13579") if ok else None) for n, ok in numbers] + [(None, None, None)]
    with duckdb.connect() as con:
        assert con.execute(query).fetchall() == expected
    with psycopg.connect(Target("postgres", postgres_url=postgres_database).postgres_conninfo()) as con:
        assert con.execute(query.replace("(null)", "(null::text)")).fetchall() == expected


def test_bounds_come_from_the_published_profile_and_the_config():
    """Small marts get the minimum slack of rows; a column of a few categories gets no distinct-share
    bound (losing one category is a normal day), an identifier column does; too few rows: no shares."""
    from quality.config import load_config
    from quality.drift import mart_expectations, row_bounds
    from yiwang.contracts import warehouse_models

    tolerances = load_config()["warehouse"]["drift"]
    assert row_bounds(7, tolerances) == (0, 17) and row_bounds(2000, tolerances) == (1800, 2200)
    old = {
        "rows": 2000,
        "columns": {
            "id_number": {"nonnull": 1900, "distinct": 1900},
            "person_name": {"nonnull": 2000, "distinct": 11},
            "phone": {"nonnull": 1940, "distinct": 1500},
            "sex": {"nonnull": 1990, "values": [["female", 990], ["male", 1000]]},
        },
        "checksum": {"id_number": {"checked": 1900, "passed": 1843}},
        "agrees": {"sex": {"checked": 1800, "passed": 1800}},
    }
    made = mart_expectations(warehouse_models()["dim_person"], old, tolerances)
    by = {(e.type, e.kwargs.get("column")): e.kwargs for e in made}
    assert ("expect_column_proportion_of_unique_values_to_be_between", "id_number") in by
    assert ("expect_column_proportion_of_unique_values_to_be_between", "person_name") not in by
    assert by[("expect_column_values_to_not_be_null", "phone")]["mostly"] == 0.95
    assert by[("expect_column_values_to_be_in_set", "_yw_checksum__id_number")]["mostly"] == 0.95
    assert by[("expect_column_values_to_be_in_set", "_yw_agrees__sex")]["mostly"] == 0.98
    partition = by[("expect_column_kl_divergence_to_be_less_than", "sex")]["partition_object"]
    assert partition["values"] == ["female", "male"] and abs(sum(partition["weights"]) - 1) < 1e-12
    assert by[("expect_table_row_count_to_be_between", None)] == {"min_value": 1800, "max_value": 2200}
    small = {"rows": 10, "checksum": {"id_number": {"checked": 9, "passed": 9}}, "agrees": {}}
    few = mart_expectations(warehouse_models()["dim_person"], old | small, tolerances)
    assert [e.type for e in few] == ["expect_table_row_count_to_be_between"]
