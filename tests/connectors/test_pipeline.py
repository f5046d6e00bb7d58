"""A table's run: a quarantined row keeps its record's last good version (never a delete), an
unreadable key withholds the snapshot's deletes, and repeated keys with different data are
quarantined (or resolved by the table's declared rule), never picked in silence."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests_connectors_helpers import create_table, execute, table_config

from connectors import committed_batches, extract, read_landed
from connectors.state import TableState
from yiwang.contracts import source_table

T0 = datetime(2024, 3, 1, 8, 0, 0)
SYRK = source_table("grid_platform", "zz_syrk")


def person(i: int, **over) -> dict:
    row = dict.fromkeys(SYRK.column_names)
    row |= {
        "rkbh": f"RK{i:04d}",
        "xm": f"居民{i}",
        "xb": "1",
        "gmsfhm": "33060219800101123X",
        "xzdz": f"越城区府山街道东星花园{i}幢",
        "rklx": 1,
        "djsj": T0,
        "gxsj": T0,
    }
    return row | over


def loose_table(url: str, contract, rows: list[dict]) -> None:
    """A legacy table of text columns with no key constraint: a key can be typed twice, or not at all."""
    names = contract.column_names
    execute(url, f"create table {contract.table} ({', '.join(f'{n} text' for n in names)})")
    for row in rows:
        values = {n: row[n].strftime("%Y-%m-%d %H:%M:%S") if isinstance(row[n], datetime) else row[n] for n in names}
        execute(url, f"insert into {contract.table} values ({', '.join(':' + n for n in names)})", **values)


@pytest.fixture
def grid_url(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{workspace / 'sources' / 'grid_platform.sqlite'}"
    monkeypatch.setenv("YIWANG_GRID_PLATFORM_URL", url)
    return url


def run(table: str = "zz_syrk", **changes):
    [result] = extract([table_config("grid_platform", table, **changes)])
    assert result.status == "ok", result.error
    assert result.reconciled, result.counts
    return result


def manifest_of(result) -> dict:
    return json.loads(result.manifest_path.read_text(encoding="utf-8"))


def current(table: str, key: str) -> dict:
    """The latest landed row per key (what the warehouse serves), by key."""
    df = read_landed("grid_platform", table).to_pandas().sort_values("_yw_run_id", kind="stable")
    return {row[key]: row for row in df.groupby(key).tail(1).to_dict("records")}


def quarantine_of(result) -> list[dict]:
    run_id = result.run_id
    q = read_landed("grid_platform", result.table, quarantine=True)
    return [r for r in q.to_pylist() if r["_yw_run_id"] == run_id] if q is not None else []


def test_a_bad_value_keeps_the_last_good_version(grid_url: str) -> None:
    create_table(grid_url, SYRK, [person(i) for i in range(6)])
    assert run().counts["insert"] == 6
    execute(grid_url, "update zz_syrk set djsj = '2026-13-45 10:00:00', xzdz = '新地址' where rkbh = 'RK0001'")
    execute(grid_url, "update zz_syrk set djsj = '0000-00-00' where rkbh = 'RK0002'")
    execute(grid_url, "update zz_syrk set rklx = 'abc' where rkbh = 'RK0003'")
    execute(grid_url, "delete from zz_syrk where rkbh = 'RK0005'")  # a real delete, still found

    second = run()
    rows = current("zz_syrk", "rkbh")
    for key in ("RK0001", "RK0002", "RK0003"):
        assert rows[key]["_yw_op"] == "insert" and rows[key]["xzdz"] == person(int(key[2:]))["xzdz"], key
    assert rows["RK0005"]["_yw_op"] == "delete"
    c = second.counts
    assert (c["source"], c["quarantined"], c["unchanged"], c["landed"]) == (5, 3, 2, 0)
    assert (c["delete"], c["detected_deletes"], c["held_keys"], c["deletes_withheld"]) == (1, 1, 3, 0)
    q = {json.loads(r["_yw_record"])["rkbh"]: r for r in quarantine_of(second)}
    assert {k: q[k]["_yw_reason"] for k in q} == {
        "RK0001": "type_coercion:djsj",
        "RK0002": "type_coercion:djsj",
        "RK0003": "type_coercion:rklx",
    }
    assert {r["_yw_key_status"] for r in q.values()} == {"kept_last_good"}
    assert manifest_of(second)["quarantine"]["key_status"] == {"kept_last_good": 3}

    index = pq.read_table(TableState.load("grid_platform", "zz_syrk").index_path).to_pylist()
    assert {r["rkbh"] for r in index if r["_yw_quarantined"]} == {"RK0001", "RK0002", "RK0003"}

    # the platform fixes two values; the first clean read lands again, even back to the last
    # good version, so the quarantine sighting closes (a later batch lands the key)
    execute(grid_url, "update zz_syrk set djsj = '2024-03-01 08:00:00' where rkbh = 'RK0002'")
    execute(grid_url, "update zz_syrk set rklx = '2' where rkbh = 'RK0003'")
    third = run()
    assert (third.counts["update"], third.counts["quarantined"], third.counts["held_keys"]) == (2, 1, 1)
    assert third.counts["delete"] == 0
    rows = current("zz_syrk", "rkbh")
    assert rows["RK0003"]["rklx"] == 2 and rows["RK0002"]["_yw_run_id"] == third.run_id
    fourth = run()  # nothing changed: only the still-bad row is seen again
    assert (fourth.counts["landed"], fourth.counts["quarantined"], fourth.counts["unchanged"]) == (0, 1, 4)


def test_a_new_key_with_a_bad_value_lands_nothing_and_says_so(grid_url: str) -> None:
    create_table(grid_url, SYRK, [person(0), person(1, rklx="abc")])
    first = run()
    assert (first.counts["insert"], first.counts["quarantined"], first.counts["held_keys"]) == (1, 1, 0)
    [q] = quarantine_of(first)
    assert q["_yw_key_status"] == "no_good_version"


def test_an_unreadable_key_withholds_the_deletes(grid_url: str) -> None:
    loose_table(grid_url, SYRK, [person(i) for i in range(4)])
    run()
    # RK0002 is gone, and a row's key cannot be read: it might be RK0002 (or any live key)
    execute(grid_url, "delete from zz_syrk where rkbh = 'RK0002'")
    execute(grid_url, "update zz_syrk set rkbh = null where rkbh = 'RK0003'")
    second = run()
    rows = current("zz_syrk", "rkbh")
    assert rows["RK0002"]["_yw_op"] == rows["RK0003"]["_yw_op"] == "insert"
    c = second.counts
    assert (c["delete"], c["detected_deletes"], c["deletes_withheld"], c["quarantined"]) == (0, 0, 2, 1)
    [q] = quarantine_of(second)
    assert (q["_yw_reason"], q["_yw_key_status"]) == ("not_null:rkbh", "key_unreadable")
    assert manifest_of(second)["deletes"]["withheld_because"] == "1 quarantined row(s) with an unreadable key"
    # once every key reads again, the deletes are inferred
    execute(grid_url, "update zz_syrk set rkbh = 'RK0003' where rkbh is null")
    third = run()
    assert (third.counts["delete"], third.counts["deletes_withheld"]) == (1, 0)
    assert current("zz_syrk", "rkbh")["RK0002"]["_yw_op"] == "delete"


@pytest.mark.postgres
def test_a_type_change_at_the_source_keeps_the_last_good_version(
    postgres_database: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_GRID_PLATFORM_URL", postgres_database)
    create_table(postgres_database, SYRK, [person(i) for i in range(5)])
    assert run().counts["insert"] == 5
    # the platform turns an integer column into text; one row now holds a word
    execute(postgres_database, "alter table zz_syrk alter column rklx type text using rklx::text")
    execute(postgres_database, "update zz_syrk set rklx = 'abc' where rkbh = 'RK0001'")
    second = run()
    assert current("zz_syrk", "rkbh")["RK0001"]["_yw_op"] == "insert"
    c = second.counts
    assert (c["quarantined"], c["unchanged"], c["delete"], c["held_keys"]) == (1, 4, 0, 1)
    [q] = quarantine_of(second)
    assert (q["_yw_reason"], q["_yw_raw_value"], q["_yw_key_status"]) == (
        "type_coercion:rklx",
        "abc",
        "kept_last_good",
    )
    assert current("zz_syrk", "rkbh")["RK0001"]["_yw_op"] == "insert"


# -- repeated keys ------------------------------------------------------------------------------
DW = source_table("grid_platform", "zz_dw")


def unit(i: int, key: str | None = None, **over) -> dict:
    row = dict.fromkeys(DW.column_names)
    row |= {"dwbh": key or f"DW{i}", "dwmc": f"单位{i}", "dwlx": 1, "lxdh": "0575-8800000", "gxsj": T0}
    return row | over


def test_repeated_keys_with_different_data_are_quarantined(grid_url: str) -> None:
    loose_table(grid_url, DW, [unit(i) for i in range(4)])
    assert run("zz_dw").counts["insert"] == 4
    # DW1 typed twice with different phones, DW2 twice identically, DW3 new and conflicting
    execute(
        grid_url,
        "insert into zz_dw (dwbh, dwmc, dwlx, lxdh, gxsj) values "
        "('DW1', '单位1', '1', '13900000000', '2024-03-02 08:00:00'), "
        "('DW2', '单位2', '1', '0575-8800000', '2024-03-01 08:00:00'), "
        "('DW9', 'x', '1', null, '2024-03-01 08:00:00'), ('DW9', 'y', '1', null, '2024-03-01 08:00:00')",
    )
    second = run("zz_dw")
    assert current("zz_dw", "dwbh")["DW1"]["lxdh"] == "0575-8800000"  # the last good version
    assert "DW9" not in current("zz_dw", "dwbh")
    c = second.counts
    assert (c["source"], c["quarantined"], c["duplicates"], c["unchanged"], c["landed"]) == (8, 4, 1, 3, 0)
    assert (c["delete"], c["held_keys"]) == (0, 1)
    q = quarantine_of(second)
    assert {(json.loads(r["_yw_record"])["dwbh"], r["_yw_reason"], r["_yw_key_status"]) for r in q} == {
        ("DW1", "duplicate_key_conflict", "kept_last_good"),
        ("DW9", "duplicate_key_conflict", "no_good_version"),
    }
    assert len(q) == 4 and {r["_yw_raw_value"] for r in q} == {"DW1", "DW9"}
    assert manifest_of(second)["quarantine"]["reasons"] == {"duplicate_key_conflict": 4}


def test_a_declared_rule_resolves_repeated_keys(grid_url: str) -> None:
    loose_table(grid_url, DW, [unit(i) for i in range(3)])
    rule = {"on_duplicate_key": "latest_by gxsj"}
    run("zz_dw", **rule)
    execute(
        grid_url,
        "insert into zz_dw (dwbh, dwmc, dwlx, lxdh, gxsj) values "
        "('DW1', '单位1', '1', '13900000000', '2024-03-02 08:00:00'), "  # later: wins
        "('DW2', '旧', '1', null, '2024-02-01 08:00:00'), "  # earlier: loses
        "('DW0', 'a', '1', null, '2024-03-01 08:00:00')",
    )  # same gxsj, other data: no rule applies
    second = run("zz_dw", **rule)
    c = second.counts
    assert (c["source"], c["update"], c["duplicates"], c["duplicates_superseded"], c["quarantined"]) == (
        6,
        1,
        2,
        2,
        2,
    )
    rows = current("zz_dw", "dwbh")
    assert rows["DW1"]["lxdh"] == "13900000000" and rows["DW2"]["dwmc"] == "单位2"
    assert rows["DW0"]["dwmc"] == "单位0" and rows["DW0"]["_yw_op"] == "insert"
    assert {r["_yw_reason"] for r in quarantine_of(second)} == {"duplicate_key_conflict"}


def test_a_bad_and_a_good_version_of_one_key_hold_the_key(grid_url: str) -> None:
    loose_table(grid_url, DW, [unit(i) for i in range(2)])
    run("zz_dw")
    execute(grid_url, "insert into zz_dw (dwbh, dwmc, dwlx, gxsj) values ('DW1', '单位1', 'x', '2024-03-02 08:00:00')")
    execute(grid_url, "update zz_dw set lxdh = '110' where dwbh = 'DW1' and dwlx = '1'")
    second = run("zz_dw")
    assert current("zz_dw", "dwbh")["DW1"]["lxdh"] == "0575-8800000"
    c = second.counts
    assert (c["source"], c["quarantined"], c["unchanged"], c["landed"], c["held_keys"]) == (3, 2, 1, 0, 1)
    assert sorted(r["_yw_reason"] for r in quarantine_of(second)) == ["duplicate_key_conflict", "type_coercion:dwlx"]
    assert TableState.load("grid_platform", "zz_dw").last_run_id == second.run_id
    assert len(committed_batches("grid_platform", "zz_dw")) == 2


def test_an_index_without_the_quarantine_flag_still_reads(grid_url: str) -> None:
    """Indexes written before the flag existed read it as false."""
    create_table(grid_url, SYRK, [person(i) for i in range(3)])
    run()
    path = TableState.load("grid_platform", "zz_syrk").index_path
    pq.write_table(pq.read_table(path).drop_columns(["_yw_quarantined"]), path)
    execute(grid_url, "update zz_syrk set rklx = 'abc' where rkbh = 'RK0001'")
    second = run()
    assert (second.counts["unchanged"], second.counts["held_keys"]) == (2, 1)
    index = pq.read_table(TableState.load("grid_platform", "zz_syrk").index_path).to_pylist()
    assert {r["rkbh"]: r["_yw_quarantined"] for r in index} == {"RK0000": False, "RK0001": True, "RK0002": False}
