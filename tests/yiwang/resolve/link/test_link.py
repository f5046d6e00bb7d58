"""`yiwang link` on data that is not from the simulator, its settings errors, and the Chinese
column kinds' preparation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.resolve.evaluate import score
from yiwang.resolve.link import LinkSettings, SettingsError, link
from yiwang.resolve.link.comparisons import prepare

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "link"


def test_the_documented_example_finds_the_duplicates(tmp_path):
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(
        app, ["link", "--settings", str(EXAMPLE / "people.yml"), str(EXAMPLE / "people.csv"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "60 records → 40 clusters" in result.output
    clusters = pd.read_csv(out)
    truth = pd.read_csv(EXAMPLE / "people.csv").set_index("record_id").true_person
    s = score("people", clusters.cluster_id, clusters.record_id.map(truth))
    assert s.pairwise_precision >= 0.95 and s.pairwise_recall >= 0.9, s


def test_linking_two_tables_finds_the_records_they_share(tmp_path):
    people = pd.read_csv(EXAMPLE / "people.csv", dtype=str)
    settings = LinkSettings.from_yaml(EXAMPLE / "people.yml")
    left, right = people.iloc[::2], people.iloc[1::2]
    result = link(left.drop(columns="true_person"), right.drop(columns="true_person"), settings)
    clusters = result.clusters.set_index("record_id").cluster_id
    truth = people.set_index("record_id").true_person
    s = score("people", clusters, clusters.index.map(truth).to_series(index=clusters.index))
    assert s.pairwise_precision >= 0.95 and s.pairwise_recall >= 0.9, s
    assert set(result.clusters.source_dataset) == {"input_0", "input_1"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": [{"name": "first_name", "kind": "nickname"}]}, "has kind 'nickname'"),
        ({"blocking": [["postcode"]]}, "blocking column 'postcode'"),
        ({"threshold": 1.5}, "between 0 and 1"),
        ({"id_column": None}, None),
    ],
)
def test_settings_errors_say_what_is_wrong(change, message):
    import yaml

    doc = yaml.safe_load((EXAMPLE / "people.yml").read_text()) | change
    if doc["id_column"] is None:
        del doc["id_column"]
        message = "needs `id_column:`"
    with pytest.raises(SettingsError, match=message):
        LinkSettings.from_dict(doc)


def test_the_command_refuses_a_missing_column_and_a_missing_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,first_name\nr1,Ann\n", encoding="utf-8")
    runner = CliRunner()
    args = ["link", "--settings", str(EXAMPLE / "people.yml"), "--out", str(tmp_path / "o.csv")]
    result = runner.invoke(app, [*args, str(bad)])
    assert result.exit_code == 2 and "has no column 'surname'" in result.output
    result = runner.invoke(app, [*args, str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "does not exist" in " ".join(result.output.split())


def test_chinese_kinds_are_normalised_before_comparison():
    settings = LinkSettings.from_dict(
        {
            "id_column": "id",
            "columns": [
                {"name": "name", "kind": "chinese_person_name"},
                {"name": "sfz", "kind": "chinese_id_number"},
                {"name": "born", "kind": "date"},
                {"name": "tel", "kind": "phone"},
            ],
            "blocking": [["tel"]],
        }
    )
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "name": ["劉德華", "张**"],
            "sfz": ["11010519491231002x", "110105491231002"],
            "born": ["1949/12/31", "1949-03-04"],
            "tel": ["138 0013 8000", "+86 13800138000"],
        }
    )
    out = prepare(frame, settings.columns)
    names = [None if pd.isna(v) else v for v in out["name"]]
    assert names == ["刘德华", None]  # simplified; a masked name is no name
    assert out["name__pinyin"][0] == "liu de hua" and out["name__surname"].tolist() == ["刘", "张"]
    assert out.sfz[0] == "11010519491231002X"
    assert out.born.tolist() == ["1949-12-31", "1949-03-04"] and out.born__swap[1] == "1949-04-03"
    assert out.tel[0] == out.tel[1]
