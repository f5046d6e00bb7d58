"""Clerical review in the warehouse (人工核验): a steward's decisions are kept in the workspace and
bind every later run (day 2, a re-run, a full re-cluster); every merge explains itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.resolve import resolve, store
from yiwang.targets import resolve_target


def _copy(home: Path, to: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(home, to, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("YIWANG_HOME", str(to))
    return to


def _read(sql: str) -> pd.DataFrame:
    con = store.connect(resolve_target("duckdb"))
    try:
        return con.execute(sql.replace("resolution.", "warehouse.resolution.")
                           .replace("intermediate.", "warehouse.intermediate.")).df()  # fmt: skip
    finally:
        con.close()


def _persons() -> pd.Series:
    return _read("select mention_id, person_key from resolution.person_clusters").set_index("mention_id").person_key


@pytest.mark.slow
def test_decisions_survive_day_2_a_re_run_and_a_full_re_cluster(built_city, day2_city, tmp_path, monkeypatch):
    _copy(built_city, tmp_path / "day1", monkeypatch)
    day2 = set(pd.read_parquet(day2_city / "day1" / "person_clusters.parquet").mention_id)  # day 1's mentions
    with_day2 = _copy(day2_city, tmp_path / "day2", monkeypatch)
    alive = set(_read("select mention_id from intermediate.int_person_mentions").mention_id) & day2
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path / "day1"))
    merges = _read("select * from resolution.person_merges where rule = 'name_phone'")
    split = merges[merges.mention_id_a.isin(alive) & merges.mention_id_b.isin(alive)].iloc[0]
    singles = _read(
        "select c.mention_id from resolution.person_clusters c join intermediate.int_person_mentions m"
        " using (mention_id) where c.match_method = 'singleton' and not m.id_number_is_valid order by 1"
    ).mention_id
    singles = [m for m in singles if m in alive][:2]
    sheet = tmp_path / "decided.csv"
    pd.DataFrame({"id_a": [split.mention_id_a, singles[0]], "id_b": [split.mention_id_b, singles[1]],
                  "decision": ["否", "same"]}).to_csv(sheet, index=False)  # fmt: skip

    # imported on day 1: kept in the workspace, which day 2 (a copy of the next day's) carries on
    imported = CliRunner().invoke(app, ["review", "import", str(sheet)])
    assert imported.exit_code == 0, imported.output
    kept = tmp_path / "day1" / "review" / "person_decisions.csv"
    (with_day2 / "review").mkdir()
    shutil.copy(kept, with_day2 / "review" / "person_decisions.csv")

    for home, full in ((tmp_path / "day1", False), (with_day2, False), (with_day2, True)):  # day 1, day 2, a re-run
        monkeypatch.setenv("YIWANG_HOME", str(home))
        assert resolve("duckdb", full_refresh=full).ok
        persons = _persons()
        assert persons[split.mention_id_a] != persons[split.mention_id_b]
        assert persons[singles[0]] == persons[singles[1]]
        applied = _read("select * from resolution.person_decisions")
        assert len(applied) == 2 and applied.applied.all(), applied

    explained = CliRunner().invoke(app, ["review", "explain", singles[0], singles[1]])
    assert explained.exit_code == 0, explained.output
    assert "one person" in explained.output and "clerical_same" in explained.output
    assert "decided: same (applied: True)" in explained.output
    apart = CliRunner().invoke(app, ["review", "explain", split.mention_id_a, split.mention_id_b])
    assert "different people" in apart.output and "decided: not_same" in apart.output


def test_a_bad_sheet_is_refused_with_what_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    sheet = tmp_path / "sheet.csv"
    pd.DataFrame({"id_a": ["a"], "id_b": ["b"], "decision": ["maybe"]}).to_csv(sheet, index=False)
    result = CliRunner().invoke(app, ["review", "import", str(sheet)])
    assert result.exit_code == 2 and "'maybe' is not one of same, not_same" in result.output
    pd.DataFrame({"id_a": ["a"], "id_b": ["b"]}).to_csv(sheet, index=False)
    result = CliRunner().invoke(app, ["review", "import", str(sheet)])
    assert result.exit_code == 2 and "missing ['decision']" in result.output
    assert not (tmp_path / "review" / "person_decisions.csv").exists()


def test_the_latest_decision_on_a_pair_wins_in_either_order(tmp_path, monkeypatch):
    from yiwang.resolve.review import import_sheet, read_decisions

    monkeypatch.setenv("YIWANG_HOME", str(tmp_path))
    for a, b, decision in (("x", "y", "same"), ("y", "x", "not_same")):
        sheet = tmp_path / "s.csv"
        pd.DataFrame({"id_a": [a], "id_b": [b], "decision": [decision], "match_probability": [0.95]}).to_csv(
            sheet, index=False
        )
        assert import_sheet(sheet) == 1
    decisions = read_decisions()
    assert decisions.decision.tolist() == ["not_same"]


@pytest.mark.slow
def test_the_review_queue_exports_as_a_sheet(built_city, tmp_path, monkeypatch):
    _copy(built_city, tmp_path / "home", monkeypatch)
    out = tmp_path / "review.csv"
    result = CliRunner().invoke(app, ["review", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = pd.read_csv(out, dtype=str)
    queue = _read("select * from resolution.person_review")
    assert len(sheet) == len(queue)
    assert {"id_a", "id_b", "decision", "person_name_as_given_a", "phone_b"} <= set(sheet.columns)
