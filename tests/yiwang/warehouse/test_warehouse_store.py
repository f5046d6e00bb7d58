"""The store contract, the same for every engine: a candidate is made from what is published,
swapped in atomically, kept as a version, rolled back to and pruned; publish_candidate refuses a
candidate without a passing gate verdict for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yiwang.targets import Target, attach, resolve_target
from yiwang.warehouse.publish import GateVerdict, publish_candidate, rollback
from yiwang.warehouse.store import store_for

pytestmark = [pytest.mark.postgres]


@pytest.fixture(params=["duckdb", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path / "home"))
    if request.param == "postgres":
        monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", request.getfixturevalue("postgres_database"))
    return resolve_target(request.param)


def _build(candidate: Target, value: int) -> None:
    """What a build leaves in a candidate, in miniature: a mart and the loaded batches."""
    con = attach(candidate, "cand")
    try:
        for schema in ("raw", candidate.schema("marts")):
            con.execute(f'create schema if not exists cand."{schema}"')
        con.execute(
            "create table if not exists cand.raw._loaded_batches "
            "(platform varchar, table_name varchar, run_id varchar, rows bigint)"
        )
        con.execute(f'create or replace table cand."{candidate.schema("marts")}".dim_thing as select {value} as v')
    finally:
        con.close()


def _served(target: Target) -> int:
    con = attach(target, "wh", read_only=True)
    try:
        return con.execute(f'select v from wh."{target.schema("marts")}".dim_thing').fetchone()[0]
    finally:
        con.close()


def _verdict(tmp_path: Path, candidate: Target, run_id: str, ok: bool = True) -> GateVerdict:
    """A gate's archived results, as quality/gate.py writes them."""
    path = tmp_path / f"gate-{run_id}.json"
    doc = {"run_id": run_id, "ok": ok, "checks": [], "extra": {"target": candidate.describe()}}
    path.write_text(json.dumps(doc))
    return GateVerdict(run_id, ok, path)


def test_candidates_swap_in_keep_versions_roll_back_and_prune(target: Target, tmp_path: Path) -> None:
    store = store_for(target)
    served = []
    for n, run_id in enumerate(["run1", "run2", "run3"], start=1):
        candidate = store.new_candidate(run_id)
        assert store.run_id_of(candidate) == run_id
        _build(candidate, n)
        notes = {"audit_head": {"seq": n, "hash": f"h{n}"}}
        result = publish_candidate(target, candidate, _verdict(tmp_path, candidate, run_id), keep=2, notes=notes)
        assert result.published, result.error
        served.append(_served(target))
    assert served == [1, 2, 3]
    assert [(v["run_id"], v["current"]) for v in store.versions()] == [("run2", False), ("run3", True)]
    assert [v["audit_head"] for v in store.versions()] == [{"seq": 2, "hash": "h2"}, {"seq": 3, "hash": "h3"}]
    rollback(target)
    assert _served(target) == 2
    assert [v["run_id"] for v in store.versions() if v["current"]] == ["run2"]
    leftover = store.new_candidate("run4")
    _build(leftover, 4)
    assert store.prune_candidates() == ["run4"] and store.unusable(leftover)
    assert _served(target) == 2


def test_publish_refuses_a_candidate_without_its_own_passing_gate(target: Target, tmp_path: Path) -> None:
    store = store_for(target)
    first = store.new_candidate("first")
    _build(first, 1)
    assert publish_candidate(target, first, _verdict(tmp_path, first, "first")).published
    candidate = store.new_candidate("second")
    _build(candidate, 2)
    other = store.candidate("other")
    refusals = {
        "failing gate": _verdict(tmp_path, candidate, "second", ok=False),
        "another run's gate": _verdict(tmp_path, candidate, "other"),
        "gate on another candidate": _verdict(tmp_path, other, "second"),
        "no results file": GateVerdict("second", True, tmp_path / "missing.json"),
    }
    for why, verdict in refusals.items():
        result = publish_candidate(target, candidate, verdict)
        assert not result.published and result.error, why
        assert _served(target) == 1, why
    assert publish_candidate(target, candidate, _verdict(tmp_path, candidate, "second")).published
    assert _served(target) == 2
