"""Crash safety: kill -9 at every step of a run, then rerun: the landing zone equals a clean run's.

The extraction runs in a subprocess. YIWANG_CONNECTORS_FAULT=pause:<point>:<marker> makes it
stop at a known point (after the first batch is read, when everything is staged, after the
rename and before the manifest, after the manifest and before the state), so the kill lands in a
deterministic window. While it is stopped, readers must see no part of the batch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from tests_connectors_helpers import create_table, execute, table_config, workorders
from waiting import wait_exit, wait_for

from connectors import committed_batches, extract, read_landed
from connectors.landing import committed_batches as batches_of
from connectors.state import TableState
from yiwang.contracts import source_table

T0 = datetime(2024, 3, 1, 8, 0)
CHILD = (
    "from connectors import extract, load_registry, select_tables\n"
    "tables = select_tables(load_registry(), 'hotline.t_gd_workorder')\n"
    "from dataclasses import replace\n"
    "[r] = extract([replace(tables[0], batch_size=100)])\n"
    "assert r.status == 'ok', r.error\n"
)


def make_source(home: Path) -> str:
    url = f"sqlite:///{home / 'sources' / 'hotline_12345.sqlite'}"
    create_table(url, source_table("hotline", "t_gd_workorder"), workorders(1000, T0))
    return url


def run_child(home: Path, fault: str | None = None, marker: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ, YIWANG_HOME=str(home))
    env.pop("YIWANG_HOTLINE_URL", None)
    if fault:
        env["YIWANG_CONNECTORS_FAULT"] = f"pause:{fault}:{marker}"
    return subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=Path(__file__).parents[2])


def landed_content(home: Path) -> pd.DataFrame:
    with mock.patch.dict(os.environ, {"YIWANG_HOME": str(home)}):
        table = read_landed("hotline", "t_gd_workorder")
    df = table.to_pandas().drop(columns=["_yw_run_id", "_yw_extracted_at"])
    return df.sort_values(["gdbh", "_yw_op"]).reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["read", "staged", "renamed", "committed"])
def test_kill_9_then_rerun_equals_clean_run(point: str, tmp_path: Path, monkeypatch) -> None:
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    for home in (clean, crashed):
        (home / "sources").mkdir(parents=True)
        make_source(home)
    assert wait_exit(run_child(clean), 120) == 0

    marker = tmp_path / "marker"
    child = run_child(crashed, point, marker)

    def paused() -> bool:
        assert child.poll() is None, "the extraction ended before the fault point"
        return marker.exists()

    wait_for(f"the extraction to pause at {point}", paused, 120, interval=0.05)
    monkeypatch.setenv("YIWANG_HOME", str(crashed))
    visible = batches_of("hotline", "t_gd_workorder")
    if point != "committed":
        assert visible == []  # nothing half-written is ever visible
        assert read_landed("hotline", "t_gd_workorder") is None
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)

    assert wait_exit(run_child(crashed), 120) == 0  # rerun
    pd.testing.assert_frame_equal(landed_content(crashed), landed_content(clean))
    cursors = []
    for home in (clean, crashed):
        monkeypatch.setenv("YIWANG_HOME", str(home))
        cursors.append(TableState.load("hotline", "t_gd_workorder").cursor)
    assert cursors[0] == cursors[1] == {"type": "timestamp", "value": "2024-03-02T00:39:00"}
    assert not list((crashed / "landing").glob("_staging/*"))
    assert not [
        p for p in (crashed / "landing" / "hotline" / "t_gd_workorder").iterdir() if not (p / "_manifest.json").exists()
    ]
    # and a further run lands nothing: no duplicates
    assert wait_exit(run_child(crashed), 120) == 0
    assert len(landed_content(crashed)) == 1000


def test_same_batch_applied_twice_changes_nothing(workspace: Path) -> None:
    url = f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}"
    create_table(url, source_table("hotline", "t_gd_workorder"), workorders(20, T0))
    extract([table_config("hotline", "t_gd_workorder")])
    execute(url, "update t_gd_workorder set gdzt = '40', gxsj = '2024-03-01 09:00:00' where gdbh = 'GD000001'")
    extract([table_config("hotline", "t_gd_workorder")])
    state = TableState.load("hotline", "t_gd_workorder")
    before = (state.cursor, pd.read_parquet(state.index_path))
    batch = committed_batches("hotline", "t_gd_workorder")[-1]
    state.last_run_id = None  # forget having applied it: replay everything, twice
    state.catch_up()
    state.apply(batch)
    again = TableState.load("hotline", "t_gd_workorder")
    assert again.cursor == before[0]
    pd.testing.assert_frame_equal(
        pd.read_parquet(again.index_path).sort_values("gdbh").reset_index(drop=True),
        before[1].sort_values("gdbh").reset_index(drop=True),
    )
    [r] = extract([table_config("hotline", "t_gd_workorder")])
    assert r.counts["landed"] == 0
    manifest = json.loads(batch.path.joinpath("_manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["update"] == 1 and manifest["reconciliation"]["ok"]
