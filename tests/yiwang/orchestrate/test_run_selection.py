"""`yiwang run DAGS…`: which DAGs a selection runs, in pipeline order, and the error for a wrong name."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.orchestrate.config import load_config
from yiwang.orchestrate.local_run import order, select


def test_a_selection_keeps_the_pipeline_order():
    config = load_config()
    assert select(config, None) == order(config)
    assert select(config, ["sharing", "hotline"]) == ["yiwang_extract_hotline", "yiwang_sharing"]
    assert select(config, ["extract"]) == [d for d in order(config) if d.startswith("yiwang_extract_")]
    assert len(select(config, ["extract"])) == len(config.platforms())
    assert select(config, ["yiwang_warehouse", "warehouse"]) == ["yiwang_warehouse"]


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"choose from: .*hotline.*warehouse"):
        select(load_config(), ["hotlin"])


def test_the_command_says_what_exists_before_starting_airflow(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["run", "nope", "--home", str(tmp_path / "ws")])
    assert result.exit_code == 2 and "no DAG is called 'nope'" in result.output
    assert not (tmp_path / "ws" / "airflow").exists()  # refused before anything was set up
