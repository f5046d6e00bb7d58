"""`yiwang build` writes a candidate, never the served warehouse (yiwang/warehouse/publish.py,
build_candidate): readers keep reading the published version during a build, a build killed
with kill -9 leaves the published file byte for byte as it was, and the next run removes the
killed candidate. A build that runs out of disk says so in one line and removes its candidate.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner
from warehouse_city import built_city, city_workspace, published_city

from yiwang.cli import app
from yiwang.targets import resolve_target
from yiwang.warehouse.publish import current_version, prune_candidates

pytestmark = [pytest.mark.slow]
__all__ = ["built_city", "city_workspace", "published_city"]
REPO = Path(__file__).resolve().parents[3]
PROGRESS_DEADLINE = 900  # seconds without the awaited progress before the test gives up


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_served(path: Path) -> tuple[str, int]:
    """What a reader sees: the served version's run id and its person count."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        run = con.execute("select max(run_id) from quality.published_versions").fetchone()[0]
        persons = con.execute("select count(*) from marts.dim_person").fetchone()[0]
    finally:
        con.close()
    return run, persons


def _wait_for(condition, child: subprocess.Popen, what: str) -> None:
    """Wait on the child's progress (not on a fixed time); fail if it exits or stalls."""
    deadline = time.monotonic() + PROGRESS_DEADLINE
    while not condition():
        if child.poll() is not None:
            pytest.fail(f"the build exited ({child.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"no progress: {what} did not happen within {PROGRESS_DEADLINE} s")
        time.sleep(0.2)


def _candidates(home: Path) -> list[Path]:
    folder = home / "warehouse" / "candidates"
    return sorted(folder.glob("*.duckdb")) if folder.is_dir() else []


def test_kill_9_during_yiwang_build_leaves_the_served_version_and_the_next_run_removes_the_candidate(
    published_city: Path,
) -> None:
    served = resolve_target("duckdb").duckdb_path
    before_sha, before_read = _sha(served), _read_served(served)
    dbt_log = published_city / "warehouse" / "dbt" / "duckdb" / "logs" / "dbt.log"
    log_size = dbt_log.stat().st_size if dbt_log.is_file() else 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIWANG_") or k == "YIWANG_HOME"}
    child = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "build"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # dbt is running (its log grows): the build is writing its warehouse
        _wait_for(lambda: dbt_log.is_file() and dbt_log.stat().st_size > log_size + 2000, child, "dbt started")
        assert _read_served(served) == before_read  # a reader is not locked out and sees the served version
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert _sha(served) == before_sha  # not one byte of the served file changed
    assert _read_served(served) == before_read and current_version("duckdb") == before_read[0]
    killed = _candidates(published_city)
    assert len(killed) == 1, killed  # the killed build's candidate is left behind ...

    result = CliRunner().invoke(app, ["build", "--select", "staging.hotline"])  # ... until the next run
    assert result.exit_code == 0, result.output
    assert "not published" in result.output
    assert not killed[0].exists() and not killed[0].with_name(killed[0].name + ".wal").exists()
    assert len(_candidates(published_city)) == 1  # the new, finished candidate, never published
    assert _sha(served) == before_sha
    assert prune_candidates("duckdb") and _candidates(published_city) == []


def test_yiwang_resolve_on_its_own_writes_a_candidate_too(published_city: Path) -> None:
    served = resolve_target("duckdb").duckdb_path
    before = _sha(served)
    result = CliRunner().invoke(app, ["resolve"])
    assert result.exit_code == 0, result.output
    assert _sha(served) == before
    (candidate,) = _candidates(published_city)
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        assert con.execute("select count(*) from resolution.person_clusters").fetchone()[0] > 0
    finally:
        con.close()


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Path:
    """A real 12 MB filesystem (tmpfs): writes past it fail with ENOSPC."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a small tmpfs: {done.stderr.decode(errors='replace')}")
        pytest.skip("mounting a small tmpfs needs root (or CAP_SYS_ADMIN)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_build_that_fills_the_disk_says_so_in_one_line(
    city_workspace: Path, small_filesystem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_WAREHOUSE_DIR", str(small_filesystem))
    result = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["build"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("disk full:"), result.output
    assert str(small_filesystem) in lines[0] and "FAILED" not in result.output
    assert _candidates(city_workspace) == [] and not list((small_filesystem / "candidates").glob("*.duckdb*"))


@pytest.mark.postgres
def test_yiwang_build_on_postgres_writes_candidate_schemas_never_the_live_ones(
    city_workspace: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    result = CliRunner().invoke(app, ["build", "--target", "postgres", "--select", "staging.hotline"])
    assert result.exit_code == 0, result.output
    with psycopg.connect(resolve_target("postgres").postgres_conninfo()) as conn:
        schemas = {row[0] for row in conn.execute("select nspname from pg_namespace")}
        (orders,) = conn.execute(
            "select count(*) from pg_tables where schemaname like 'staging\\_\\_c\\_%' "
            "and tablename = 'stg_hotline__work_orders'"
        ).fetchone()
    assert "staging" not in schemas and "marts" not in schemas  # nothing readers read was written
    assert orders == 1  # the build went into one candidate's schemas
