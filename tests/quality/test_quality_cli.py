"""`yiwang check` as a user runs it: a warehouse it cannot reach says so, and no password leaks."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import sqlalchemy as sa


def test_a_bad_warehouse_password_never_leaks_and_the_gate_says_it_could_not_run(tmp_path, postgres_database):
    password = "Pw-" + uuid.uuid4().hex  # a value that can only come from this URL
    url = sa.make_url(postgres_database).set(username=f"yw_no_role_{uuid.uuid4().hex[:8]}", password=password)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "YIWANG_HOME": str(home),
        "YIWANG_WAREHOUSE_POSTGRES_URL": url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    run = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "check", "--target", "postgres"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "could not run" in run.stdout and "checks passed" not in run.stdout
    assert "password=***" in run.stdout  # the driver's message is kept, its secret is not
    assert password not in run.stdout + run.stderr
    written = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "warehouse.json" for p in written)
    for path in written:
        assert password.encode() not in path.read_bytes(), path
