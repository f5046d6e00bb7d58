"""Schema drift under `evolve`: a new column lands, a missing one holds the batch (nothing landed,
the state kept) until the contract changes; the extract output and the landing gate say so."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_files import HEADER, exports, member
from tests_connectors_helpers import create_table, execute, insert_rows, table_config, workorders, write_csv
from typer.testing import CliRunner

from connectors import committed_batches, extract, read_landed
from connectors.landing import held_batches
from connectors.state import TableState
from quality import check_landing
from yiwang.cli import app
from yiwang.contracts import source_table

T0 = datetime(2024, 3, 1, 8, 0, 0)
DW = source_table("grid_platform", "zz_dw")


def current(platform: str, table: str, key: str) -> dict:
    df = read_landed(platform, table).to_pandas().sort_values("_yw_run_id", kind="stable")
    return {row[key]: row for row in df.groupby(key).tail(1).to_dict("records")}


def test_a_dropped_column_holds_the_snapshot(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{workspace / 'sources' / 'grid_platform.sqlite'}"
    monkeypatch.setenv("YIWANG_GRID_PLATFORM_URL", url)
    rows = [{"dwbh": f"DW{i}", "dwmc": f"单位{i}", "dwlx": 1, "lxdh": f"1380000000{i}", "gxsj": T0} for i in range(5)]
    create_table(url, DW, rows)
    [first] = extract([table_config("grid_platform", "zz_dw")])
    state_before = TableState.load("grid_platform", "zz_dw")

    execute(url, "alter table zz_dw drop column lxdh")
    [held] = extract([table_config("grid_platform", "zz_dw")])
    assert all(isinstance(r["lxdh"], str) for r in current("grid_platform", "zz_dw", "dwbh").values())
    assert held.status == "held" and held.manifest_path is not None and held.kind == "terminal"
    assert "missing column(s) ['lxdh']" in held.error and "schemas/sources/grid_platform/zz_dw.yml" in held.error
    assert [b.run_id for b in committed_batches("grid_platform", "zz_dw")] == [first.run_id]
    assert TableState.load("grid_platform", "zz_dw") == state_before  # the previous state is kept
    [record] = held_batches("grid_platform", "zz_dw")
    doc = json.loads(held.manifest_path.read_text(encoding="utf-8"))
    assert doc == record.manifest and doc["status"] == "held"
    assert doc["drift"] == {"policy": "evolve", "added": [], "missing": ["lxdh"]}
    assert doc["counts"]["landed"] == 0 and doc["files"] == []

    # `yiwang extract` shows the table held, with the reason, and exits 1
    monkeypatch.setenv("COLUMNS", "200")
    cli = CliRunner().invoke(app, ["extract", "--source", "grid_platform.zz_dw"])
    assert cli.exit_code == 1, cli.output
    row = next(line for line in cli.output.splitlines() if "zz_dw" in line and "│" in line)
    assert "held" in row
    assert "missing column(s) ['lxdh']" in cli.output

    # the landing gate fails while the table is held, naming the hold
    gate = check_landing(tables=[DW])
    assert not gate.ok
    [check] = gate.failed
    assert "held" in check.detail and "lxdh" in check.detail and check.name in gate.blocked

    # the column comes back: the table lands again and the hold is over
    execute(url, "alter table zz_dw add column lxdh text")
    execute(url, "update zz_dw set lxdh = '1380000000' || substr(dwbh, 3)")
    [again] = extract([table_config("grid_platform", "zz_dw")])
    assert again.status == "ok" and again.counts["landed"] == 0 and again.counts["unchanged"] == 5
    gate = check_landing(tables=[DW])
    assert gate.ok, [(c.name, c.detail) for c in gate.failed]


def test_a_dropped_column_holds_an_incremental_window(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{workspace / 'sources' / 'hotline_12345.sqlite'}"
    monkeypatch.setenv("YIWANG_HOTLINE_URL", url)
    create_table(url, source_table("hotline", "t_gd_workorder"), workorders(5, T0))
    [first] = extract([table_config("hotline", "t_gd_workorder")])
    cursor = TableState.load("hotline", "t_gd_workorder").cursor
    execute(url, "alter table t_gd_workorder drop column ldhm")
    new = [{k: v for k, v in r.items() if k != "ldhm"} for r in workorders(3, T0 + timedelta(hours=1))]
    insert_rows(url, "t_gd_workorder", [r | {"gdbh": r["gdbh"] + "N"} for r in new])
    [held] = extract([table_config("hotline", "t_gd_workorder")])
    assert len(committed_batches("hotline", "t_gd_workorder")) == 1
    assert held.status == "held" and "ldhm" in held.error
    assert TableState.load("hotline", "t_gd_workorder").cursor == cursor  # the window is read again later
    assert first.counts["insert"] == 5


def test_a_file_without_a_column_is_held_and_not_taken(workspace: Path) -> None:
    write_csv(exports(workspace) / "dangyuan_20240301.csv", HEADER, [member(i, f"党员{i}") for i in range(4)], "gbk")
    [first] = extract([table_config("party_building", "members")])
    assert first.counts["insert"] == 4
    without = [h for h in HEADER if h != "手机号码"]
    rows = [[v for h, v in zip(HEADER, member(i, f"党员{i}"), strict=True) if h != "手机号码"] for i in range(4)]
    write_csv(exports(workspace) / "dangyuan_20240302.csv", without, rows, "gbk")
    [held] = extract([table_config("party_building", "members")])
    phones = {r["手机号码"] for r in current("party_building", "members", "党员编号").values()}
    assert phones == {"13800138000"}
    assert held.status == "held" and "'手机号码'" in held.error and "dangyuan_20240302.csv" in held.error
    assert "dangyuan_20240302.csv" not in TableState.load("party_building", "members").files
    [again] = extract([table_config("party_building", "members")])  # still there: still held
    assert again.status == "held" and len(held_batches("party_building", "members")) == 2
