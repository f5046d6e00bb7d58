"""The build's three stages (transform, resolve_entities, build_marts): marts are refused while
the resolution is missing or older than the mention models, by build_marts and by a --select."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warehouse_city import ENV_CLEARED, built_city

from yiwang.cli import app
from yiwang.targets import Target, resolve_target
from yiwang.warehouse.build import build, build_marts, resolution_staleness, resolve_entities

pytestmark = [pytest.mark.slow]
__all__ = ["built_city"]


@pytest.fixture
def home(built_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(built_city, home, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    return home


def test_marts_wait_for_a_resolution_of_the_current_mention_models(home: Path) -> None:
    target: Target = resolve_target("duckdb")
    assert resolution_staleness(target) is None  # a full build resolved what it transformed
    rebuilt = build(target, select=["intermediate"], load=False)
    assert rebuilt.ok, rebuilt.error
    assert "older than the intermediate mention models" in (resolution_staleness(target) or "")

    refused = build(target, select=["dim_person"], load=False)
    assert not refused.ok and not refused.nodes
    assert "stale resolution" in refused.error and "full `yiwang build`" in refused.error
    assert not build_marts(target).ok
    assert build(target, select=["staging.hotline"], load=False).ok  # nothing reads the resolution

    cli = CliRunner().invoke(app, ["build", "--no-load", "--select", "marts.population"])
    assert cli.exit_code == 1 and "stale resolution" in cli.output

    assert resolve_entities(target).ok
    assert resolution_staleness(target) is None
    marts = build_marts(target)
    assert marts.ok and any(n.name == "dim_person" for n in marts.nodes)


def test_marts_need_a_resolution_run(home: Path) -> None:
    import duckdb

    target = resolve_target("duckdb")
    con = duckdb.connect(str(target.duckdb_path))
    con.execute("drop table resolution._stage_run")
    con.close()
    assert "no resolution run" in resolution_staleness(target)
    result = build_marts(target)
    assert not result.ok and "no resolution run" in result.error
