"""`yiwang extract`: progress, a counts table per platform and table, exit 1 when a table fails."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests_connectors_helpers import create_table, workorders
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.contracts import source_table


def test_extract_command_shows_counts_and_fails_clearly(workspace: Path, monkeypatch) -> None:
    url = f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}"
    create_table(url, source_table("hotline", "t_gd_workorder"), workorders(7, datetime(2024, 3, 1, 8)))
    monkeypatch.setenv("COLUMNS", "160")
    runner = CliRunner()
    result = runner.invoke(app, ["extract", "--source", "hotline.t_gd_workorder"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "t_gd_workorder" in line and "│" in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[:6] == ["hotline", "t_gd_workorder", "7", "7", "0", "0"] and "reconciled" in row

    result = runner.invoke(app, ["extract", "--source", "hotline"])  # t_gd_lzjl has no table
    assert result.exit_code == 1
    assert "t_gd_lzjl" in result.output and "not found" in result.output

    assert runner.invoke(app, ["extract", "--source", "nowhere"]).exit_code == 2
