"""Done-when: simulate a tiny city, extract everything, re-extract nothing, day 2 lands the changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from connectors import extract, load_registry, read_landed, select_tables
from yiwang.simulate import simulate
from yiwang.simulate.party_api import running

pytestmark = pytest.mark.slow
TOKEN = "e2e-token"


def _by_table(results) -> dict:
    return {f"{r.platform}.{r.table}": r for r in results}


def test_tiny_city_day1_rerun_day2(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = workspace / "sources"
    day1 = simulate(sources, scale="tiny")
    tables = select_tables(load_registry())
    with running(sources / "party_building" / "api.sqlite", TOKEN) as server:
        monkeypatch.setenv("YIWANG_PARTY_API_URL", server.base_url)
        monkeypatch.setenv("YIWANG_PARTY_API_TOKEN", TOKEN)

        first = _by_table(extract(tables))
        assert set(first) == set(day1.rows)
        for name, result in first.items():
            assert result.status == "ok", (name, result.error)
            assert result.reconciled, name
            c = result.counts
            assert c["source"] == day1.rows[name], name
            assert c["source"] == c["landed"] + c["quarantined"], name  # the published rule
            assert c["insert"] + c["delete"] == c["landed"]

        second = _by_table(extract(tables))
        for name, result in second.items():
            assert result.status == "ok" and result.reconciled, name
            assert result.counts["landed"] + result.counts["detected_deletes"] == 0, name

        day2 = simulate(sources, day=2)
        third = _by_table(extract(tables))
        for name, change in day2.changes.items():
            c = third[name].counts
            assert third[name].status == "ok" and third[name].reconciled, name
            assert c["insert"] == change["inserted"], name
            landed_changes = c["update"] + c["delete"]
            expected = change["updated"] + change["deleted"]
            assert landed_changes == expected, name

    # replaying the landing zone gives exactly the source's live rows, key by key
    landed = read_landed("grid_platform", "zz_syrk").to_pandas().sort_values("_yw_run_id", kind="stable")
    latest = landed.groupby("rkbh").tail(1)
    live = set(latest.loc[latest["_yw_op"] != "delete", "rkbh"])
    with sqlite3.connect(sources / "grid_platform.sqlite") as con:
        assert live == {r[0] for r in con.execute("select rkbh from zz_syrk")}
    assert not list((workspace / "landing").glob("_staging/*"))
