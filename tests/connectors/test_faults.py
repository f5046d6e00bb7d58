"""Crash safety: kill -9 at every step of a run, then rerun: the landing zone equals a clean run's.

The extraction runs in a subprocess. YIWANG_CONNECTORS_FAULT=pause:<point>:<marker> makes it
stop at a known point (after the first batch is read, when everything is staged, after the
rename and before the manifest, after the manifest and before the state), so the kill lands in a
deterministic window. While it is stopped, readers must see no part of the batch.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
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


# -- the workspace fails: a held lock, a full disk, a read-only file system ------------------------
def two_tables(workspace: Path) -> list:
    """A hotline table (SQLite) and the party-member file drop: what the runs below extract."""
    from tests_connectors_helpers import write_csv

    make_source(workspace)
    header = source_table("party_building", "members").column_names
    rows = [[f"DY{i:05d}", "张喆"] + [""] * (len(header) - 2) for i in range(50)]
    write_csv(workspace / "sources" / "party_building" / "exports" / "dangyuan_20240301.csv", header, rows, "gbk")
    return [table_config("hotline", "t_gd_workorder"), table_config("party_building", "members")]


def test_a_held_lock_fails_that_table_only(workspace: Path) -> None:
    tables = two_tables(workspace)
    with TableState.load("hotline", "t_gd_workorder").lock():  # another run is extracting it
        hotline, members = extract(tables)
    assert hotline.status == "failed" and "another extraction of this table is running" in hotline.error
    assert hotline.kind == "transient" and members.kind is None  # the lock ends with the other run
    assert "wait for that run to finish" in hotline.error and "\n" not in hotline.error
    assert members.status == "ok" and members.counts["insert"] == 50
    [hotline, _] = extract(tables)  # once the other run is done, the table loads
    assert hotline.status == "ok" and hotline.counts["insert"] == 1000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MB ext4 file system, loop-mounted (root only; skipped where that is impossible)."""
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4") or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root, mkfs.ext4 and mount")
    image, mount = tmp_path / "disk.img", tmp_path / "disk"
    mount.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(8 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-m", "0", str(image)], check=True)
    done = subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot loop-mount here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(folder: Path) -> Path:
    """Write zeros until the file system is full; returns the filler to remove later."""
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * (64 << 10))
                fh.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def test_a_full_disk_fails_each_table_clearly_and_leaves_no_partial_files(
    workspace: Path, small_disk: Path, monkeypatch
) -> None:
    tables = two_tables(workspace)
    landing = small_disk / "landing"
    monkeypatch.setenv("YIWANG_LANDING_DIR", str(landing))
    landing.mkdir()
    filler = fill(small_disk)
    results = extract(tables)
    for result in results:  # each table was tried and said why, no traceback
        assert result.status == "failed", result
        assert "no space left on device" in result.error and "free space on that disk" in result.error
        assert "\n" not in result.error
    assert [p for p in landing.rglob("*") if p.is_file()] == []  # no partial file stays behind
    filler.unlink()
    assert [r.status for r in extract(tables)] == ["ok", "ok"]  # space freed: both land
    assert len(read_landed("hotline", "t_gd_workorder")) == 1000


def test_a_disk_filling_up_while_writing_is_a_clear_error(workspace: Path, small_disk: Path, monkeypatch) -> None:
    # rows that do not compress: the table's own staging files fill the disk mid-write
    tables = two_tables(workspace)
    url = f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}"
    execute(url, "update t_gd_workorder set sqnr = hex(randomblob(6000))")
    landing = small_disk / "landing"
    monkeypatch.setenv("YIWANG_LANDING_DIR", str(landing))
    hotline, members = extract(tables)
    assert hotline.status == "failed" and "no space left on device" in hotline.error, hotline.error
    assert members.status == "ok"  # the next table still loads
    assert not list(landing.glob("_staging/*")) and not (landing / "hotline").exists()


def test_a_read_only_workspace_fails_each_table_clearly(workspace: Path, small_disk: Path, monkeypatch) -> None:
    tables = two_tables(workspace)
    monkeypatch.setenv("YIWANG_LANDING_DIR", str(small_disk / "landing"))
    monkeypatch.setenv("YIWANG_STATE_DIR", str(small_disk / "state"))
    assert [r.status for r in extract(tables)] == ["ok", "ok"]
    execute(
        f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}",
        "update t_gd_workorder set gdzt = '40', gxsj = '2024-03-05 09:00:00' where gdbh = 'GD000001'",
    )
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        results = extract(tables, full=True)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    for result in results:
        assert result.status == "failed" and "read-only file system" in result.error, result.error
        assert result.kind == "terminal"
        assert "make the workspace writable" in result.error and "\n" not in result.error


def test_storage_errors_say_what_to_do() -> None:
    import duckdb

    from connectors.storage import storage_error

    cfg = table_config("hotline", "t_gd_workorder")
    full = storage_error(cfg, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/x/part-00000.parquet"))
    assert full.startswith("hotline.t_gd_workorder: no space left on device (/x/part-00000.parquet)")
    # DuckDB passes the OS message on without the errno
    io = duckdb.IOException('IO Error: Could not write file "/x/p.parquet": No space left on device')
    assert "no space left on device" in storage_error(cfg, io) and "free space" in storage_error(cfg, io)
    other = storage_error(cfg, duckdb.IOException("IO Error: something\nelse"))
    assert other == "hotline.t_gd_workorder: IOException: IO Error: something else"


def test_storage_errors_have_a_kind() -> None:
    import duckdb

    from connectors.storage import storage_kind

    assert storage_kind(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) == "transient"  # space gets freed
    assert storage_kind(duckdb.IOException("IO Error: write failed: No space left on device")) == "transient"
    assert storage_kind(OSError(errno.EROFS, os.strerror(errno.EROFS))) == "terminal"
    assert storage_kind(PermissionError(errno.EACCES, os.strerror(errno.EACCES))) == "terminal"
    assert storage_kind(duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate")) == "terminal"
    assert storage_kind(duckdb.BinderException("Binder Error: no such column")) == "terminal"
    assert storage_kind(OSError(errno.EIO, os.strerror(errno.EIO))) == "transient"  # a network disk hiccup
