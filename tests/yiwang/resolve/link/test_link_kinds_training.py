"""The sex, phone and address kinds, and training that leaves no parameter untrained or warned about."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.resolve.link import LinkSettings, dedupe
from yiwang.resolve.link.comparisons import prepare
from yiwang.resolve.link.training import complete_model, training_rules

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "link"


def _settings(columns: list[dict], blocking: list[list[str]], **extra) -> LinkSettings:
    return LinkSettings.from_dict({"id_column": "id", "columns": columns, "blocking": blocking, **extra})


def test_sex_codings_and_a_masked_callers_honorific_agree():
    settings = _settings([{"name": "name", "kind": "chinese_person_name"}, {"name": "sex", "kind": "sex"}], [["name"]])
    frame = pd.DataFrame(
        {
            "id": list("abcdefgh"),
            "name": ["郭勇春", "郭先生", "王女士", "李娜", "张伟", "赵敏", "钱先生", "孙某"],
            "sex": ["1", None, None, "F", "男", "2", "女", "9"],
        }
    )
    out = prepare(frame, settings.columns)
    # an honorific fills a missing sex only; a stated sex wins; "not stated" says nothing
    assert out.sex.tolist() == ["1", "1", "2", "2", "1", "2", "2", None]


def test_phones_agree_however_typed_and_by_local_number_when_the_area_code_is_left_out():
    settings = _settings([{"name": "tel", "kind": "phone"}], [["tel"]])
    typed = ["0427-4654502", "04274654502", "+86 427 4654502", "０４２７－４６５４５０２", "(0427)465-4502", "4654502"]
    out = prepare(pd.DataFrame({"id": list("abcdef"), "tel": typed}), settings.columns)
    assert out.tel.tolist()[:5] == ["0427-4654502"] * 5 and pd.isna(out.tel[5])
    assert out.tel__local.tolist() == ["4654502"] * 6


def test_addresses_agree_by_standard_key_and_keep_their_divisions():
    settings = _settings([{"name": "addr", "kind": "address"}], [["addr"]])
    frame = pd.DataFrame(
        {
            "id": list("abcd"),
            "addr": ["10-5-101", "湿地家园10-5-101", "盘锦市兴隆台区湿地家园10号楼5单元101室", "红旗村4组85号"],
        }
    )
    out = prepare(frame, settings.columns)
    assert pd.isna(out.addr__key[0]) and out.addr__key.tolist()[1:] == [
        "湿地家园|10|5|101",
        "湿地家园|10|5|101",
        "红旗村|4|85",
    ]
    assert out.addr__district.isna().tolist() == [True, True, False, True] and out.addr__district[2] == "兴隆台区"
    assert out.addr__city[2] == "盘锦市"


def test_em_skips_rules_made_only_of_contact_columns_but_trains_every_comparison():
    columns = [
        {"name": "sfz", "kind": "chinese_id_number"},
        {"name": "tel", "kind": "phone"},
        {"name": "addr", "kind": "address"},
    ]
    assert training_rules(_settings(columns, [["sfz"], ["tel"], ["addr"]])) == [("sfz",), ("tel",)]
    assert training_rules(_settings(columns, [["tel"], ["tel", "addr"]])) == [("tel",), ("tel", "addr")]
    given = _settings(columns, [["sfz"], ["tel"]], training_blocking=[["tel"]])
    assert training_rules(given) == [("tel",)]


def test_levels_training_missed_are_set_on_purpose_and_m_sums_to_one():
    model = {
        "comparisons": [
            {
                "output_column_name": "dob",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"label_for_charts": "same", "m_probability": 0.9, "u_probability": 0.01},
                    {"label_for_charts": "swapped", "m_probability": "level not observed", "u_probability": 1e-5},
                    {"label_for_charts": "rare", "m_probability": 0.0},
                    {"label_for_charts": "else", "m_probability": 0.3, "u_probability": 0.99},
                ],
            }
        ]
    }
    notes = complete_model(model, _settings([{"name": "dob", "kind": "date"}], [["dob"]]))
    levels = model["comparisons"][0]["comparison_levels"][1:]
    assert len(notes) == 3  # swapped's m, rare's u and m
    assert all(isinstance(lv["m_probability"], float) and isinstance(lv["u_probability"], float) for lv in levels)
    assert abs(sum(lv["m_probability"] for lv in levels) - 1) < 1e-12
    assert levels[1]["m_probability"] <= levels[1]["u_probability"]  # unseen: at most no evidence
    assert levels[2]["m_probability"] > 0  # seen only among non-matches: unlikely, not impossible


def _warnings_while(run) -> list[str]:
    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    keep = Keep()
    logging.getLogger().addHandler(keep)
    try:
        run()
    finally:
        logging.getLogger().removeHandler(keep)
    return keep.messages


def test_the_example_trains_without_warnings_and_saves_every_m_and_u(tmp_path):
    model = tmp_path / "model.json"
    args = ["link", "--settings", str(EXAMPLE / "people.yml"), str(EXAMPLE / "people.csv")]
    args += ["--out", str(tmp_path / "c.csv"), "--save-model", str(model)]
    results = []
    warnings = _warnings_while(lambda: results.append(CliRunner().invoke(app, args)))
    assert results[0].exit_code == 0, results[0].output
    assert warnings == []
    saved = json.loads(model.read_text(encoding="utf-8"))
    levels = [lv for c in saved["comparisons"] for lv in c["comparison_levels"] if not lv.get("is_null_level")]
    assert levels and all(isinstance(lv.get("m_probability"), float) for lv in levels)
    assert all(isinstance(lv.get("u_probability"), float) for lv in levels)
    # the saved model links the same way without training
    reused = LinkSettings.from_yaml(EXAMPLE / "people.yml")
    reused = LinkSettings(**{**reused.__dict__, "model": model})
    people = pd.read_csv(EXAMPLE / "people.csv", dtype=str).drop(columns="true_person")
    again = dedupe(people, reused).clusters
    assert again.cluster_id.nunique() == 40
