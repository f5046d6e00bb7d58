"""Write-audit-publish on the tiny city: a good candidate is published atomically with its
manifest and quarantine; broken candidates (a duplicated key, a broken reference, a gate that
cannot connect or raises) are not, and the previous version keeps serving; rollback works."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner
from warehouse_city import FIRST_PUBLISHED, built_city, published_city

from yiwang.cli import app
from yiwang.targets import resolve_target
from yiwang.warehouse.flow import audit, publish
from yiwang.warehouse.publish import (
    GateVerdict,
    current_version,
    make_candidate,
    publish_candidate,
    rollback,
    versions,
)
from yiwang.warehouse.store import store_for

pytestmark = [pytest.mark.slow]
__all__ = ["built_city", "published_city"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _served(home: Path) -> str:
    con = duckdb.connect(str(home / "warehouse" / "yiwang.duckdb"), read_only=True)
    try:
        return con.execute("select max(run_id) from quality.published_versions").fetchone()[0]
    finally:
        con.close()


def _broken(sql: str):
    candidate = make_candidate("duckdb")
    con = duckdb.connect(str(candidate.duckdb_path))
    con.execute(sql)
    con.close()
    return candidate


def test_published_version_records_run_batches_gates_and_quarantine(published_city: Path):
    assert _served(published_city) == FIRST_PUBLISHED
    assert current_version() == FIRST_PUBLISHED
    con = duckdb.connect(str(published_city / "warehouse" / "yiwang.duckdb"), read_only=True)
    gate_ok, batches = con.execute(
        "select gate_ok, json_array_length(source_batches) from quality.published_versions"
    ).fetchone()
    assert gate_ok and batches >= 13
    bad_ids = con.execute(
        "select count(*) from quality.quarantine where platform = 'grid_platform' and table_name = 'zz_syrk' "
        "and reason_code = 'id_number:bad_checksum'"
    ).fetchone()[0]
    con.close()
    assert bad_ids > 0
    latest = (published_city / "quality" / "latest" / "warehouse.json").read_text()
    assert '"ok": true' in latest and "reconcile grid_platform.zz_syrk" in latest


@pytest.mark.parametrize(
    "sql, failing",
    [
        ("insert into marts.dim_person select * from marts.dim_person limit 1", "contract dim_person"),
        ("update marts.person_xref set person_key = 'no-such-person' where rowid = 0", "contract person_xref"),
        (
            "delete from marts.record_xref where source_table = 'zz_syrk' "
            "and source_key = (select min(source_key) from marts.record_xref where source_table = 'zz_syrk')",
            "reconcile grid_platform.zz_syrk",
        ),
    ],
    ids=["duplicated-key", "broken-reference", "unreconciled"],
)
def test_a_broken_candidate_is_not_published(published_city: Path, sql: str, failing: str):
    published = published_city / "warehouse" / "yiwang.duckdb"
    before = _sha(published)
    result = publish("duckdb", candidate=_broken(sql))
    assert not result.published
    assert any(c.name.startswith(failing) for c in result.gate.failed), [c.name for c in result.gate.failed]
    assert _sha(published) == before and _served(published_city) == FIRST_PUBLISHED


def test_a_gate_that_cannot_connect_or_raises_blocks_publish(published_city: Path):
    published = published_city / "warehouse" / "yiwang.duckdb"
    before = _sha(published)
    missing = make_candidate("duckdb")
    missing.duckdb_path.unlink()  # nothing to connect to
    result = publish("duckdb", candidate=missing)
    assert not result.published and "FileNotFoundError" in (result.error or "")

    def raising(*args, **kwargs):
        raise ConnectionError("warehouse unreachable")

    result = publish("duckdb", candidate=make_candidate("duckdb"), check=raising)
    assert not result.published and "unreachable" in result.error
    assert _sha(published) == before


def test_rollback_serves_the_previous_version(published_city: Path):
    runs = published_city / "quality" / "runs"
    (runs / "landing-20000101T000000000000Z").mkdir(parents=True)  # older than every version kept
    second = publish("duckdb", candidate=make_candidate("duckdb"), run_id="20260102T000000000000Z")
    assert second.published, second.error
    assert not (runs / "landing-20000101T000000000000Z").exists()  # gate runs go with their versions
    assert (runs / f"warehouse-{second.run_id}").is_dir()
    assert _served(published_city) == "20260102T000000000000Z"
    chosen = rollback("duckdb")
    assert chosen["run_id"] == FIRST_PUBLISHED
    assert _served(published_city) == FIRST_PUBLISHED
    assert [v["run_id"] for v in versions() if v["current"]] == [FIRST_PUBLISHED]
    rollback("duckdb", "20260102T000000000000Z")
    assert _served(published_city) == "20260102T000000000000Z"


def test_cli_check_quarantine_and_publish_after_a_build(published_city: Path):
    runner = CliRunner(env={"COLUMNS": "240"})
    check = runner.invoke(app, ["check"])
    assert check.exit_code == 0, check.output
    assert "PASS" in check.output
    quarantine = runner.invoke(app, ["quarantine"])
    assert quarantine.exit_code == 0 and "id_number:bad_checksum" in quarantine.output
    published = runner.invoke(app, ["publish"])  # the real thing: candidate copy, build, gate, rename
    assert published.exit_code == 0, published.output
    assert re.search(r"all \d+ checks passed", published.output), published.output  # a pass says so, not an empty table
    assert _served(published_city) != FIRST_PUBLISHED
    assert resolve_target("duckdb").duckdb_path.is_file()
    assert not list((published_city / "warehouse" / "candidates").glob("*.duckdb"))


def test_publish_takes_the_gate_verdict_of_its_own_candidate(published_city: Path):
    """The DAG's way: the gate task audits the candidate, publish gets its verdict and checks it."""
    target = resolve_target("duckdb")
    store = store_for(target)
    audited, other = store.new_candidate("audited"), store.new_candidate("other")
    gate = audit(audited, published=target, run_id="audited")
    assert gate.ok, [c.name for c in gate.failed]
    verdict = GateVerdict.from_summary(gate.summary())
    refused = publish_candidate(target, other, verdict, run_id="audited")
    assert not refused.published and "not for the candidate" in refused.error
    assert _served(published_city) == FIRST_PUBLISHED
    published = publish_candidate(target, audited, verdict)
    assert published.published, published.error
    assert current_version() == "audited"
