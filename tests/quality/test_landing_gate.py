"""Landing gate on the tiny city: the simulator's bad ID numbers are flagged exactly; planted
bad batches are quarantined with reasons, blocked, and kept out of the raw load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from connectors.landing import committed_batches, landing_root, sha256_file
from quality import check_landing, landing_gate
from quality.landing_gate import decision, is_mojibake
from yiwang.contracts import source_table

pytestmark = [pytest.mark.slow]


def plant_batch(platform: str, table: str, run_id: str, mutate, *, source_rows: int | None = None) -> Path:
    """A new committed batch: the table's last batch, its rows changed by `mutate`."""
    last = committed_batches(platform, table)[-1]
    frame = pd.concat([pd.read_parquet(last.path / f["path"]) for f in last.manifest["files"]], ignore_index=True)
    frame = mutate(frame).assign(_yw_run_id=run_id)
    folder = landing_root() / platform / table / run_id
    folder.mkdir(parents=True)
    frame.to_parquet(folder / "part-00000.parquet", index=False)
    manifest = dict(last.manifest, run_id=run_id)
    if source_rows is not None:
        manifest["counts"] = dict(manifest["counts"], source=source_rows)
    manifest["files"] = [
        {"path": "part-00000.parquet", "rows": len(frame), "sha256": sha256_file(folder / "part-00000.parquet")}
    ]
    (folder / "_manifest.json").write_text(json.dumps(manifest))
    return folder


def test_mojibake_detection():
    assert is_mojibake("张三丰".encode().decode("latin-1"))  # UTF-8 read as Latin-1
    assert is_mojibake("浙江省".encode().decode("gbk", errors="replace"))
    assert is_mojibake("锟斤拷")
    assert not is_mojibake("绍兴市越城区府山街道")
    assert not is_mojibake("Zhang San")


def test_landing_gate_on_the_tiny_city(city_workspace: Path):
    result = check_landing()
    assert result.ok, [(c.name, c.detail) for c in result.failed]
    assert result.docs is not None and result.docs.is_file()
    assert result.results_path.is_file()
    # the simulator's wrong check characters (truth: mess id_wrong_check) are flagged, exactly
    truth = pd.read_parquet(city_workspace / "sources" / "truth" / "grid_platform__zz_syrk.parquet")
    truth = truth[truth["present"].astype(bool)]
    wrong = set(truth.loc[truth["mess"].str.contains("id_wrong_check"), "source_key"].astype(str))
    batch = committed_batches("grid_platform", "zz_syrk")[-1]
    rows = pd.read_parquet(
        city_workspace / "quality" / "landing" / "grid_platform" / "zz_syrk" / f"{batch.run_id}.parquet"
    )
    flagged = set(rows.loc[rows["reason_code"] == "id_number:bad_checksum", "source_key"])
    assert wrong and flagged == wrong
    assert set(rows["action"]) == {"flag"}
    assert rows["offending_value"].str.contains(r"^\d{3}\*+", regex=True).all()  # masked


def test_bad_batches_are_quarantined_and_blocked_and_the_load_skips_them(city_workspace: Path):
    from yiwang.warehouse.load import load_raw

    check_landing()
    contract = source_table("grid_platform", "zz_syrk")

    def few_bad(frame):  # 3 bad rows of ~2,000: rejected, the batch passes
        frame = frame.copy()
        frame.loc[0, "xb"] = "X"  # not a sex code
        frame.loc[1, "xm"] = "张三".encode().decode("latin-1")  # mojibake
        frame.loc[2, "gxsj"] = None  # required
        return frame

    def many_bad(frame):
        frame = frame.copy()
        frame["xb"] = "X"
        return frame

    plant_batch("grid_platform", "zz_syrk", "20991230T000000000000Z-test", few_bad)
    plant_batch("grid_platform", "zz_syrk", "20991231T000000000000Z-test", many_bad)
    plant_batch("party_building", "members", "20991231T000000000000Z-test", lambda f: f.head(5), source_rows=10)
    result = check_landing()
    assert not result.ok
    assert set(result.blocked) == {
        "grid_platform.zz_syrk/20991231T000000000000Z-test",
        "party_building.members/20991231T000000000000Z-test",
    }
    passed = decision("grid_platform", "zz_syrk", "20991230T000000000000Z-test")
    assert passed["status"] == "passed" and passed["rejected_rows"] == 3
    assert set(passed["reasons"]) >= {"code:xb", "encoding:xm", "required:gxsj"}
    assert any(
        "row_count_drop" in p for p in decision("party_building", "members", "20991231T000000000000Z-test")["problems"]
    )

    load = load_raw("duckdb")
    tables = {(t.platform, t.table): t for t in load.tables}
    assert tables[("grid_platform", "zz_syrk")].batches_blocked == 1
    assert tables[("grid_platform", "zz_syrk")].rows_rejected == 3
    assert tables[("party_building", "members")].batches_blocked == 1
    assert tables[("hotline", "t_gd_workorder")].batches_loaded == 1  # the others load
    con = duckdb.connect(str(city_workspace / "warehouse" / "yiwang.duckdb"), read_only=True)
    runs = {r[0] for r in con.execute("select distinct _yw_run_id from raw.grid_platform__zz_syrk").fetchall()}
    assert "20991231T000000000000Z-test" not in runs and "20991230T000000000000Z-test" in runs
    planted = pd.read_parquet(committed_batches("grid_platform", "zz_syrk")[-2].path / "part-00000.parquet")
    rejected = [str(k) for k in planted.loc[:2, contract.primary_key[0]]]
    loaded = con.execute(
        "select count(*) from raw.grid_platform__zz_syrk where _yw_run_id = '20991230T000000000000Z-test' and rkbh in ?",  # noqa: E501
        [rejected],
    ).fetchone()[0]
    assert loaded == 0
    con.close()
    shutil.rmtree(city_workspace / "warehouse")


def test_a_gate_that_errors_blocks(city_workspace: Path, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("no connection")

    monkeypatch.setattr(landing_gate, "_check_batch", broken)
    result = check_landing(tables=[source_table("hotline", "t_gd_workorder")])
    assert not result.ok and result.blocked
    assert (
        decision("hotline", "t_gd_workorder", committed_batches("hotline", "t_gd_workorder")[-1].run_id)["status"]
        == "blocked"
    )


def test_deletes_and_empty_batches_pass_and_two_batches_of_a_table_check_in_one_call(city_workspace: Path):
    """A day's delta holds deletes (a key and nothing else) and, on a quiet day, no rows at all:
    neither is bad data. Both new batches of a table are decided in one call."""
    (first, *_) = committed_batches("grid_platform", "zz_syrk")
    deletes = plant_batch(
        "grid_platform",
        "zz_syrk",
        "20990101T000000000000Z-dele",
        lambda f: f.head(20).assign(
            **{c: None for c in f.columns if not c.startswith("_yw") and c != "rkbh"}, _yw_op="delete"
        ),
    )
    empty = plant_batch("grid_platform", "zz_syrk", "20990102T000000000000Z-empt", lambda f: f.head(0))
    result = check_landing([source_table("grid_platform", "zz_syrk")])
    assert result.error is None and result.ok, [(c.name, c.detail) for c in result.failed]
    for folder in (deletes, empty):
        assert decision("grid_platform", "zz_syrk", folder.name)["status"] == "passed"
    assert decision("grid_platform", "zz_syrk", first.run_id)["status"] == "passed"
