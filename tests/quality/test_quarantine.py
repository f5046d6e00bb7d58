"""Quarantine tables: sightings, masking, and replay (a fixed row leaves quarantine)."""

from __future__ import annotations

import duckdb
import pandas as pd

from quality.gate import mask
from quality.quarantine import QUARANTINE_COLUMNS, summary, write_tables


def _sighting(key: str, run: str) -> dict:
    return dict(
        zip(
            QUARANTINE_COLUMNS,
            [
                "grid_platform",
                "zz_syrk",
                key,
                run,
                "id_number:bad_checksum",
                "flag",
                "gmsfhm",
                mask("330602199001011235", "direct"),
            ],
            strict=True,
        )
    )


def test_a_fixed_row_leaves_quarantine_and_its_sightings_stay(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    folder = tmp_path / "quality" / "landing" / "grid_platform" / "zz_syrk"
    folder.mkdir(parents=True)
    pd.DataFrame([_sighting("K1", "run1"), _sighting("K2", "run1")]).to_parquet(folder / "run1.parquet")
    pd.DataFrame([_sighting("K2", "run2")]).to_parquet(folder / "run2.parquet")
    (folder / "run1.json").write_text("{}")
    (folder / "run2.json").write_text("{}")
    con = duckdb.connect()
    con.execute(f"attach '{tmp_path / 'w.duckdb'}' as wh")
    con.execute("create schema wh.raw")
    # K1 was fixed at the source and landed again in run2; K2 landed again in run2, still bad
    con.execute(
        "create table wh.raw.grid_platform__zz_syrk as select * from (values "
        "('K1', 'run1'), ('K2', 'run1'), ('K1', 'run2'), ('K2', 'run2'), ('K3', 'run1')) t(rkbh, _yw_run_id)"
    )
    assert write_tables(con, "wh") == 1
    row = con.execute(
        "select source_key, first_run_seen, last_run_seen, runs_seen, offending_value from wh.quality.quarantine"
    ).fetchone()
    assert row == ("K2", "run1", "run2", 2, "330***********1235")
    assert con.execute("select count(*) from wh.quality.quarantine_log").fetchone()[0] == 3
    assert summary(con, "wh")["rows"].tolist() == [1]


def test_masking():
    assert mask("13812345678", "direct") == "138****5678"
    assert mask("张三", "direct") == "张*"
    assert mask("独居老人", "sensitive") == "***"
    assert mask("绍兴市越城区", "quasi") == "绍兴市越城区"
