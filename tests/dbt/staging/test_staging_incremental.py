"""Incremental staging takes a batch loaded late: it is new however old its run id, and its
versions sort by run id among the key's whole history, exactly as a full refresh sorts them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from warehouse_city import open_built

from connectors.landing import MANIFEST, committed_batches, sha256_file
from yiwang.warehouse import build

LATE_RUN = "20000101T000000000000Z-late"  # sorts before every real run id: an old batch, loaded last
STAGED = "staging.stg_hotline__work_orders"


def _assert_ok(result) -> None:
    assert result.ok, result.error or [(n.unique_id, (n.message or "")[:300]) for n in result.failed]


def _land_late_batch(home: Path) -> tuple[str, str]:
    """A hotline work-order batch with an older run id than day 1's: one key of day 1 with another
    reply (must lose to day 1's version) and one new key (must appear). Returns both keys."""
    (day1,) = committed_batches("hotline", "t_gd_workorder")
    source = day1.files[0]
    folder = home / "landing" / "hotline" / "t_gd_workorder" / LATE_RUN
    folder.mkdir()
    part = folder / "part-00000.parquet"
    con = duckdb.connect()
    try:
        existing, new = con.execute(
            f"select min(gdbh), min(gdbh) || '-LATE' from read_parquet('{source}') where _yw_op <> 'delete'"
        ).fetchone()
        late = (
            "select * replace (? as gdbh, ? as _yw_run_id, md5(? || ?) as _yw_row_hash, 'late reply' as dfnr) "
            f"from read_parquet('{source}') where gdbh = ?"
        )
        con.execute(f"create table late as {late}", [existing, LATE_RUN, existing, LATE_RUN, existing])
        con.execute(f"insert into late {late}", [new, LATE_RUN, new, LATE_RUN, existing])
        con.execute(f"copy late to '{part}' (format parquet)")
    finally:
        con.close()
    manifest = dict(day1.manifest, run_id=LATE_RUN, files=[{"path": part.name, "rows": 2, "sha256": sha256_file(part)}])
    manifest.pop("quarantine", None)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return existing, new


def _staged(home: Path) -> list[tuple]:
    with open_built(home) as con:
        return con.execute(f"select * from {STAGED} order by work_order_id").fetchall()


def test_a_batch_loaded_late_is_merged_as_a_full_refresh_sorts_it(city_workspace: Path) -> None:
    _assert_ok(build("duckdb", select=["staging.hotline"]))
    before = {row[0]: row for row in _staged(city_workspace)}
    existing, new = _land_late_batch(city_workspace)

    incremental = build("duckdb", select=["staging.hotline"])
    _assert_ok(incremental)
    assert incremental.load.batches_loaded == 1
    merged = _staged(city_workspace)
    by_key = {row[0]: row for row in merged}
    assert by_key[existing] == before[existing]  # day 1's version still wins by run id
    assert new in by_key and by_key[new][0] == new  # the late batch's new key is staged
    assert set(by_key) == set(before) | {new}
    with open_built(city_workspace) as con:
        runs = con.execute(
            "select run_id from staging._yw_staged_batches where model = 'stg_hotline__work_orders'"
        ).fetchall()
    assert LATE_RUN in {r[0] for r in runs}

    _assert_ok(build("duckdb", select=["staging.hotline"], full_refresh=True))
    assert _staged(city_workspace) == merged
