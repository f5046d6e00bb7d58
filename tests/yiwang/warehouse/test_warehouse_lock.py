"""One writer per warehouse: a second build waits, then fails naming the holder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from waiting import wait_exit

from yiwang.targets import ensure_database
from yiwang.warehouse import Target, WarehouseBusy, warehouse_lock


def test_duckdb_lock_excludes_a_second_writer(tmp_path: Path) -> None:
    target = Target("duckdb", duckdb_path=tmp_path / "yiwang.duckdb")
    with warehouse_lock(target):
        with pytest.raises(WarehouseBusy, match=r"pid \d+"):
            with warehouse_lock(target):
                pass
    with warehouse_lock(target):  # released
        pass


def test_duckdb_lock_holds_across_processes_and_waits(tmp_path: Path) -> None:
    path = tmp_path / "yiwang.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from yiwang.warehouse import Target, warehouse_lock\n"
            f"with warehouse_lock(Target('duckdb', duckdb_path=Path({str(path)!r}))):\n"
            "    print('held', flush=True)\n"
            "    sys.stdin.readline()\n"  # held until the test has seen it busy, however slow the machine
            "    time.sleep(1.5)\n"
            "print('released', flush=True)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        target = Target("duckdb", duckdb_path=path)
        with pytest.raises(WarehouseBusy):
            with warehouse_lock(target):
                pass
        holder.stdin.write("go\n")
        holder.stdin.flush()
        # a generous wait (a busy machine may be slow to let go); what counts is that it ends
        # when the holder releases, which the holder says once its `with` is left
        with warehouse_lock(target, wait_seconds=600):
            assert holder.stdout.readline().strip() == "released"
    finally:
        holder.stdin.close()  # lets a holder still waiting for "go" finish
        wait_exit(holder, 60)


def test_a_dead_holder_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "yiwang.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom pathlib import Path\nfrom yiwang.warehouse import Target, warehouse_lock\n"
            f"with warehouse_lock(Target('duckdb', duckdb_path=Path({str(path)!r}))):\n"
            "    print('held', flush=True)\n    time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=30)
    with warehouse_lock(Target("duckdb", duckdb_path=path)):
        pass


@pytest.mark.postgres
def test_postgres_lock_excludes_a_second_writer(postgres_database: str) -> None:
    target = Target("postgres", postgres_url=postgres_database)
    ensure_database(target)
    with warehouse_lock(target):
        with pytest.raises(WarehouseBusy, match="another build"):
            with warehouse_lock(target, wait_seconds=0.5):
                pass
    with warehouse_lock(target):  # released with the session
        pass
