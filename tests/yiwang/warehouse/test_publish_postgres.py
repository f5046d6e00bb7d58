"""Write-audit-publish on PostgreSQL, on the tiny city: the build writes candidate schemas, the
gate (GX's SQL engine) audits them, and one transaction swaps them in; broken candidates (a
duplicated key, a broken reference, an unreconciled record, a gate that cannot connect or
raises) are not published and readers keep getting the previous rows; rollback and pruning work.

Three full builds in all (the fixture's, once per test, and `yiwang publish --target postgres` in the CLI
test); other candidates are copies of the live schemas made by SQL, then broken on purpose."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from quality import check_landing, check_warehouse
from yiwang.cli import app
from yiwang.targets import CANDIDATE_SCHEMAS, Target, resolve_target
from yiwang.warehouse.flow import publish
from yiwang.warehouse.publish import copy_table, current_version, make_candidate, rollback, versions

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
FIRST = "20260101T000000000000Z"


@pytest.fixture
def pg_published(city_workspace: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> Target:
    """The landed tiny city, gated at landing, built and published once on a fresh PostgreSQL database."""
    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    assert check_landing().ok
    first = publish("postgres", run_id=FIRST)
    assert first.published, first.error or (first.gate and [c.name for c in first.gate.failed])
    assert set(first.steps) >= {"build", "gate", "swap"}
    return resolve_target("postgres")


def _reader(target: Target) -> psycopg.Connection:
    return psycopg.connect(target.postgres_conninfo(), autocommit=True)


def _served(target: Target) -> tuple[str, int, int]:
    """What a reader sees: the latest manifest's run id, dim_person's rows and its distinct keys."""
    with _reader(target) as con:
        run_id = con.execute("select run_id from quality.published_versions order by published_at desc limit 1")
        persons = con.execute("select count(*), count(distinct person_key) from marts.dim_person").fetchone()
        return run_id.fetchone()[0], *persons


def _copied_candidate(target: Target, run_id: str | None = None) -> Target:
    """A candidate holding a copy of every live table (as a build of unchanged landing would)."""
    candidate = make_candidate(target, run_id)
    with _reader(target) as con:
        for schema in CANDIDATE_SCHEMAS:
            tables = con.execute("select tablename from pg_tables where schemaname = %s", [schema]).fetchall()
            for (table,) in tables:
                copy_table(con, schema, candidate.schema(schema), table)
    return candidate


def _break(candidate: Target, statement: str) -> Target:
    with _reader(candidate) as con:
        con.execute(statement.format(marts=candidate.schema("marts")))
    return candidate


def _assert_a_published_version_records_run_batches_gates_and_quarantine(target: Target) -> None:
    assert current_version(target) == FIRST and [v["run_id"] for v in versions(target)] == [FIRST]
    with _reader(target) as con:
        gate_ok, batches, gates = con.execute(
            "select gate_ok, json_array_length(source_batches), gate_results::text from quality.published_versions"
        ).fetchone()
        assert gate_ok and batches >= 13 and "reconcile grid_platform.zz_syrk" in gates
        assert "contract dim_person" in gates
        bad_ids = con.execute(
            "select count(*) from quality.quarantine where table_name = 'zz_syrk' "
            "and reason_code = 'id_number:bad_checksum'"
        ).fetchone()[0]
        assert bad_ids > 0
        schemas = {r[0] for r in con.execute("select nspname from pg_namespace")}
    assert set(CANDIDATE_SCHEMAS) <= schemas and "raw" in schemas
    assert not [s for s in schemas if "__c_" in s]  # the candidate became the live set
    gate = check_warehouse(target)  # what `yiwang check --target postgres` runs
    assert gate.ok, gate.error or [(c.name, c.detail) for c in gate.failed]
    assert sum(c.name.startswith("contract ") for c in gate.checks) == 16


BROKEN = {  # what a broken build leaves in its candidate → the check that must fail
    "duplicated-key": (
        "insert into {marts}.dim_person select * from {marts}.dim_person limit 1",
        "contract dim_person",
    ),
    "broken-reference": (
        "update {marts}.person_xref set person_key = 'no-such-person' "
        "where source_key = (select min(source_key) from {marts}.person_xref)",
        "contract person_xref",
    ),
    "unreconciled": (
        "delete from {marts}.record_xref where source_table = 'zz_syrk' "
        "and source_key = (select min(source_key) from {marts}.record_xref where source_table = 'zz_syrk')",
        "reconcile grid_platform.zz_syrk",
    ),
}


def test_broken_candidates_and_failing_gates_are_not_published_and_readers_keep_the_old_rows(pg_published: Target):
    """One published city for every case (a PostgreSQL build costs about 35 s)."""
    target = pg_published
    _assert_a_published_version_records_run_batches_gates_and_quarantine(target)
    before = _served(target)
    assert before[0] == FIRST and before[1] == before[2] > 0
    for case, (statement, failing) in BROKEN.items():
        result = publish(target, candidate=_break(_copied_candidate(target), statement))
        assert not result.published, case
        assert any(c.name.startswith(failing) for c in result.gate.failed), (case, [c.name for c in result.gate.failed])
        if case == "duplicated-key":
            detail = next(c.detail for c in result.gate.failed if c.name == "contract dim_person")
            assert "unique_key person_key: 2" in detail  # the copy and its original, counted by PostgreSQL
        assert _served(target) == before, case  # same manifest, no duplicated person
        assert current_version(target) == FIRST and len(versions(target)) == 1, case

    candidate = _copied_candidate(target)
    unreachable = Target(
        "postgres",
        postgres_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere",
        schema_suffix=candidate.schema_suffix,
    )

    def gate_on_a_dead_server(cand, **kwargs):  # the real gate, pointed where nothing listens
        return check_warehouse(unreachable, **kwargs)

    result = publish(target, candidate=candidate, check=gate_on_a_dead_server)
    assert not result.published and result.gate.error and "warehouse gate failed" in result.error

    def raising(*args, **kwargs):
        raise ConnectionError("warehouse unreachable")

    result = publish(target, candidate=_copied_candidate(target), check=raising)
    assert not result.published and "unreachable" in result.error
    empty = make_candidate(target)  # schemas, but nothing built in them
    result = publish(target, candidate=empty)
    assert not result.published and "make_candidate() and build() first" in result.error
    assert _served(target) == before and current_version(target) == FIRST


def test_cli_check_publish_rollback_and_pruning(pg_published: Target):
    target = pg_published
    runner = CliRunner(env={"COLUMNS": "240"})
    check = runner.invoke(app, ["check", "--target", "postgres"])
    assert check.exit_code == 0, check.output
    assert "PASS" in check.output
    published = runner.invoke(app, ["publish", "--target", "postgres"])  # candidate, full build, gate, swap
    assert published.exit_code == 0, published.output
    second = current_version(target)
    assert second != FIRST and _served(target)[0] == second
    with _reader(target) as con:
        gates = con.execute(
            "select gate_results::text from quality.published_versions where run_id = %s", [second]
        ).fetchone()[0]
    assert '"drift dim_person"' in gates  # drift measured against the published PostgreSQL version

    with _reader(target) as con:  # a reader holding a transaction open does not block the swap
        con.execute("begin")
        con.execute("select count(*) from marts.dim_person").fetchone()
        rolled = runner.invoke(app, ["rollback", "--target", "postgres"])
        con.execute("commit")
    assert rolled.exit_code == 0, rolled.output
    assert FIRST in rolled.output and _served(target)[0] == FIRST
    listed = runner.invoke(app, ["rollback", "--target", "postgres", "--list"])
    assert f"* {FIRST}" in listed.output and f"  {second}" in listed.output
    assert rollback(target, second)["run_id"] == second and _served(target)[0] == second

    for run_id in ("20260103T000000000000Z", "20260104T000000000000Z"):
        result = publish(target, run_id=run_id, candidate=_copied_candidate(target, run_id), keep=3)
        assert result.published, result.error
    kept = [v["run_id"] for v in versions(target)]
    assert kept == [second, "20260103T000000000000Z", "20260104T000000000000Z"]
    with _reader(target) as con:
        schemas = {r[0] for r in con.execute("select nspname from pg_namespace")}
    assert not [s for s in schemas if s.endswith("__v_20260101t000000000000z")]  # pruned with its schemas
    assert {f"{s}__v_20260103t000000000000z" for s in CANDIDATE_SCHEMAS} <= schemas
    assert _served(target)[0] == "20260104T000000000000Z"
