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


def members_file(workspace: Path, day: int, count: int) -> Path:
    from tests_connectors_helpers import write_csv

    header = source_table("party_building", "members").column_names
    rows = [[f"DY{i:05d}", f"党员{i}"] + [""] * (len(header) - 2) for i in range(count)]
    folder = workspace / "sources" / "party_building" / "exports"
    return write_csv(folder / f"dangyuan_202403{day:02d}.csv", header, rows, "gbk")


def members_row(output: str) -> str:
    return next(line for line in output.splitlines() if "│ members" in line)


def test_no_new_file_and_a_cut_file_confirmed_with_accept_short(workspace: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    members = ["extract", "--source", "party_building.members"]
    members_file(workspace, 1, 20)
    assert runner.invoke(app, members).exit_code == 0
    again = runner.invoke(app, members)
    assert again.exit_code == 0 and "no new file" in members_row(again.output)

    day2 = members_file(workspace, 2, 20)
    day2.write_bytes(day2.read_bytes().rstrip(b"\r\n"))  # the last row has no line break
    refused = runner.invoke(app, members)
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)  # typer.Exit, no crash
    assert "Traceback" not in refused.output and "failed" in members_row(refused.output)
    line = next(line for line in refused.output.splitlines() if line.startswith("party_building.members:"))
    assert "refused" in line and line.endswith("`yiwang extract --accept-short party_building.members`")

    assert runner.invoke(app, [*members, "--accept-short", "party_buildin.members"]).exit_code == 2  # a typo
    taken = runner.invoke(app, [*members, "--accept-short", "party_building.members"])
    assert taken.exit_code == 0 and "reconciled" in members_row(taken.output)


def test_a_blocked_table_is_released_with_a_reason(workspace: Path, monkeypatch) -> None:
    from connectors import committed_batches
    from quality.landing_gate import blocked_from, decision

    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    members_file(workspace, 1, 20)
    assert runner.invoke(app, ["extract", "--source", "party_building.members"]).exit_code == 0
    members_file(workspace, 2, 13)  # 35% fewer members: above min_row_ratio, beyond the gate's max_row_drop
    assert runner.invoke(app, ["extract", "--source", "party_building.members"]).exit_code == 0
    assert runner.invoke(app, ["check", "landing"]).exit_code == 1
    runs = [b.run_id for b in committed_batches("party_building", "members")]
    assert blocked_from("party_building", "members", runs) == runs[1]

    assert runner.invoke(app, ["check", "landing", "--release", "party_building.members"]).exit_code == 2
    released = runner.invoke(
        app, ["check", "landing", "--release", "party_building.members", "--reason", "13 members confirmed"]
    )
    assert released.exit_code == 0 and f"released party_building.members/{runs[1]}" in released.output
    assert "(was: row_count_drop" in released.output
    assert blocked_from("party_building", "members", runs) is None
    doc = decision("party_building", "members", runs[1])
    assert doc["status"] == "passed" and doc["released"]["reason"] == "13 members confirmed"
    assert runner.invoke(app, ["check", "landing", "--recheck"]).exit_code == 0  # a recheck keeps the release


def test_a_drop_confirmed_at_extraction_passes_the_landing_gate(workspace: Path) -> None:
    runner = CliRunner()
    members_file(workspace, 1, 20)
    assert runner.invoke(app, ["extract", "--source", "party_building.members"]).exit_code == 0
    members_file(workspace, 2, 7)  # below min_row_ratio: refused, then confirmed
    assert runner.invoke(app, ["extract", "--source", "party_building.members"]).exit_code == 1
    confirmed = ["extract", "--source", "party_building.members", "--accept-short", "party_building.members"]
    assert runner.invoke(app, confirmed).exit_code == 0
    assert runner.invoke(app, ["check", "landing"]).exit_code == 0  # one confirmation, not two
