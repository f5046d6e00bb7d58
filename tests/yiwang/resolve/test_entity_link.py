"""`yiwang link` with `entity: person`: the warehouse's person resolver on a user's table, the
Chinese codings it reads, merges that explain themselves and the clerical review loop."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.resolve.entity_link import explain, link_tables
from yiwang.resolve.link import LinkSettings, SettingsError

ROLES = {"id_number": "sfzh", "name": "xm", "birth_date": "csrq", "sex": "xb", "phone": "lxdh", "address": "dz"}
COLUMNS = ["record_id", "xm", "sfzh", "xb", "csrq", "lxdh", "dz"]
FAMILY = [  # one household: the father three times with other codings, a caller, his wife, a child
    ("a1", "郭勇春", None, "1", "1971-03-02", "0427-4654502", "兴隆台区阳光小区10-5-101"),
    ("a2", "郭勇春", None, "男", None, "04274654502", None),  # the landline without its dash
    ("a3", "郭勇春", None, "M", None, None, "兴隆台区阳光小区10号楼5单元101室"),  # the flat written out
    ("a4", "郭先生", None, None, None, "0427 4654502", None),  # a masked caller with the family's phone
    ("b1", "李秀英", None, "女", "1973-08-19", "0427-4654502", "兴隆台区阳光小区10-5-101"),
    ("b2", "李女士", None, "F", None, "13700000001", "阳光小区10号楼5单元101室"),  # masked, at her home
    ("c1", "郭小宝", None, "1", "2019-05-01", "13800000002", "兴隆台区阳光小区10-5-101"),
    ("c2", "郭先生", None, None, None, "13800000002", None),  # the child's phone: a 先生 is no child
]


def _settings(**extra) -> LinkSettings:
    return LinkSettings.from_dict({"id_column": "record_id", "entity": "person", "roles": ROLES, **extra})


def _clusters(rows=FAMILY, **extra) -> pd.Series:
    table = pd.DataFrame(rows, columns=COLUMNS)
    return link_tables([table], _settings(**extra)).clusters.set_index("record_id").cluster_id


def test_codings_a_clerk_joins_at_a_glance_are_one_person():
    clusters = _clusters()
    assert clusters[["a1", "a2", "a3", "a4"]].nunique() == 1  # sexes 1 / 男 / M, phones, flats alike
    assert clusters[["b1", "b2"]].nunique() == 1  # 李女士 at 李秀英's flat
    assert clusters["b1"] != clusters["a1"]  # the wife shares the phone and the flat, not the person
    assert clusters["c2"] != clusters["c1"]  # 郭先生 with the child's phone is not the child


def test_a_masked_name_of_another_surname_does_not_join_by_the_phone_alone():
    rows = [
        FAMILY[0],
        ("x1", None, None, None, None, "0427-4654502", None),
        ("x2", "王先生", None, None, None, "04274654502", None),
    ]
    clusters = _clusters(rows)
    assert clusters["x1"] == clusters["a1"]  # a nameless caller: the phone names one person
    assert clusters["x2"] != clusters["a1"]  # 王 against 郭: the surname vetoes


def test_every_merge_explains_itself():
    table = pd.DataFrame(FAMILY, columns=COLUMNS)
    result = link_tables([table], _settings())
    rules = set(result.pairs.rule)
    assert {"name_phone", "name_address", "masked_name_phone", "masked_name_address"} <= rules, rules
    lines = explain(result, "record_id", "a2", "a4")
    assert "one person" in lines[0]
    assert any("name_phone" in line and "phone" in line for line in lines[1:]), lines
    assert any("vetoes checked and passed: birth_date,sex" in line for line in lines), lines
    apart = explain(result, "record_id", "c1", "c2")
    assert "different people" in apart[0] and "age" in " ".join(apart), apart
    with pytest.raises(SettingsError, match="not in the input"):
        explain(result, "record_id", "a1", "zz")


def test_the_cli_explains_a_pair_and_writes_the_merges(tmp_path):
    table, settings = tmp_path / "people.csv", tmp_path / "people.yml"
    pd.DataFrame(FAMILY, columns=COLUMNS).to_csv(table, index=False)
    settings.write_text(yaml.safe_dump({"id_column": "record_id", "entity": "person", "roles": ROLES}), "utf-8")
    out, merges = tmp_path / "clusters.csv", tmp_path / "merges.csv"
    args = ["link", "-s", str(settings), str(table), "-o", str(out), "--merges", str(merges), "--explain", "a1", "b2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "a1 and b2 are different people" in result.output
    written = pd.read_csv(out, dtype=str)
    assert list(written.columns) == ["record_id", "cluster_id", "match_method", "match_probability"]
    assert set(pd.read_csv(merges).columns) >= {"mention_id_a", "mention_id_b", "rule", "agreed", "vetoes"}
    generic = tmp_path / "generic.yml"
    generic.write_text(yaml.safe_dump({"id_column": "record_id", "columns": [{"name": "xm", "kind": "name"}],
                                       "blocking": [["xm"]]}), "utf-8")  # fmt: skip
    refused = CliRunner().invoke(app, ["link", "-s", str(generic), str(table), "-o", str(out), "--explain", "a1", "a2"])
    assert refused.exit_code == 2 and "needs `entity: person` (or legal_entity)" in refused.output


def test_steward_decisions_bind_every_later_run(tmp_path):
    decisions = tmp_path / "decisions.csv"
    pd.DataFrame(
        {"id_a": ["a1", "b1"], "id_b": ["a2", "c1"], "decision": ["not_same", "是"]}  # split one merge, make one
    ).to_csv(decisions, index=False)
    for _ in range(2):  # a re-run reads the same decisions and decides the same
        table = pd.DataFrame(FAMILY, columns=COLUMNS)
        result = link_tables([table], dataclasses.replace(_settings(), decisions=decisions))
        clusters = result.clusters.set_index("record_id")
        assert clusters.cluster_id["a1"] != clusters.cluster_id["a2"]
        assert clusters.cluster_id["b1"] == clusters.cluster_id["c1"]
        assert "clerical_same" in set(clusters.match_method)
        assert "clerical_not_same" in " ".join(explain(result, "record_id", "a1", "a2"))


def test_the_grey_zone_goes_to_a_review_sheet_and_its_decisions_come_back(tmp_path):
    from bench.link_quality import liaoning_records

    records = liaoning_records(1500).drop(columns="true_person")
    table, settings = tmp_path / "people.csv", tmp_path / "people.yml"
    records.to_csv(table, index=False)
    roles = {r: r for r in ("id_number", "name", "birth_date", "sex", "phone", "address")}
    doc = {"id_column": "record_id", "entity": "person", "roles": roles, "threshold": 0.99999, "review_from": 0.99}
    settings.write_text(yaml.safe_dump(doc), "utf-8")
    out, sheet = tmp_path / "clusters.csv", tmp_path / "review.csv"
    first = CliRunner().invoke(app, ["link", "-s", str(settings), str(table), "-o", str(out), "--review", str(sheet)])
    assert first.exit_code == 0, first.output
    review = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert len(review) > 0 and {"id_a", "id_b", "decision", "name_a", "name_b"} <= set(review.columns)
    # a steward's "same" cannot join two different valid ID numbers: decide a pair without that
    chosen = review.index[(review.id_number_a == "") | (review.id_number_b == "")][0]
    review.loc[chosen, "decision"] = "same"
    review.to_csv(sheet, index=False)
    args = ["link", "-s", str(settings), str(table), "-o", str(out), "--review", str(sheet), "--decisions", str(sheet)]
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    clusters = pd.read_csv(out, dtype=str).set_index("record_id").cluster_id
    decided = review.loc[chosen]
    assert clusters[decided.id_a] == clusters[decided.id_b]
    left = pd.read_csv(sheet, dtype=str)
    assert len(left) < len(review)  # the decided pair is no longer asked


@pytest.mark.slow
def test_link_gives_the_warehouse_clusters_on_the_warehouse_mentions(built_city: Path, tmp_path):
    from warehouse_city import open_built

    with open_built(built_city) as con:
        mentions = con.execute(
            "select mention_id, coalesce(person_name_as_given, person_name) as xm, id_number_as_given as sfzh,"
            " sex as xb, stated_birth_date as csrq, phone as lxdh, address as dz, grid_code as wg,"
            " observed_at as sj from intermediate.int_person_mentions"
        ).df()
        warehouse = con.execute("select mention_id, person_key from resolution.person_clusters").df()
    table = tmp_path / "mentions.parquet"
    mentions.astype(str).where(mentions.notna(), None).to_parquet(table)
    settings = tmp_path / "people.yml"
    roles = ROLES | {"grid": "wg", "observed_at": "sj"}
    settings.write_text(yaml.safe_dump({"id_column": "mention_id", "entity": "person", "roles": roles}), "utf-8")
    out = tmp_path / "clusters.parquet"
    result = CliRunner().invoke(app, ["link", "-s", str(settings), str(table), "-o", str(out)])
    assert result.exit_code == 0, result.output
    linked = pd.read_parquet(out).merge(warehouse, on="mention_id", how="outer", indicator=True)
    assert (linked._merge == "both").all() and len(linked) == len(mentions)
    # the same partition: each link cluster is one warehouse person and each person one link cluster
    assert linked.groupby("cluster_id").person_key.nunique().max() == 1
    assert linked.groupby("person_key").cluster_id.nunique().max() == 1
    assert linked.cluster_id.nunique() < len(linked)  # and persons were merged, not all left single


def test_the_documented_person_example_runs_as_the_docs_say(tmp_path):
    from yiwang.resolve.evaluate import score

    example = Path(__file__).resolve().parents[3] / "docs" / "examples" / "link"
    docs = (example.parents[1] / "link.md").read_text(encoding="utf-8")
    out = tmp_path / "persons.csv"
    for pair in (("p03", "p04"), ("p07", "p08")):
        args = ["link", "-s", str(example / "persons.yml"), str(example / "persons.csv"), "-o", str(out),
                "--explain", *pair]  # fmt: skip
        result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        for line in result.output.splitlines():
            if " written to " not in line:
                assert f"# {line}" in docs, line  # docs/link.md shows what the command prints
    assert "10 records → 5 clusters (5 duplicates)" in result.output
    clusters = pd.read_csv(out, dtype=str)
    truth = pd.read_csv(example / "persons.csv", dtype=str).set_index("record_id").true_person
    assert score("persons", clusters.cluster_id, clusters.record_id.map(truth)).pairwise_f1 == 1.0


FIRMS = [  # record_id, name, credit code, legal representative, address
    ("f1", "绍兴市越城区鉴湖酿酒有限责任公司", "91330602MA288R1N03", "王建国", "越城区府山街道胜利路12号"),
    ("f2", "鉴湖酿酒有限公司", "91330602ma288r1n03", None, None),  # the code in lower case, no place
    ("f3", "鉴湖酿酒有限公司", None, "王建国", "绍兴市越城区胜利路12号"),  # no code: name, representative, place
    ("f4", "鉴湖酿酒有限公司柯桥分公司", None, "王建国", "柯桥区笛扬路8号"),  # a branch stays apart
    ("f5", "稽山纺织有限公司", "91330621MA2D5K7P14", "李秀英", "柯桥区笛扬路9号"),
]


def test_firms_are_resolved_by_the_warehouse_rules_and_explain_themselves():
    settings = LinkSettings.from_dict(
        {"id_column": "record_id", "entity": "legal_entity",
         "roles": {"name": "mc", "credit_code": "xydm", "legal_representative": "fddbr", "address": "dz"}}
    )  # fmt: skip
    table = pd.DataFrame(FIRMS, columns=["record_id", "mc", "xydm", "fddbr", "dz"])
    result = link_tables([table], settings)
    clusters = result.clusters.set_index("record_id").cluster_id
    assert clusters[["f1", "f2", "f3"]].nunique() == 1
    assert clusters["f4"] != clusters["f1"] and clusters["f5"] != clusters["f1"]
    lines = explain(result, "record_id", "f2", "f3")
    assert "one organisation" in lines[0] and any("credit_code (rule)" in line for line in lines), lines
    assert "different organisations" in explain(result, "record_id", "f1", "f4")[0]
    with pytest.raises(SettingsError, match="is for entity person"):
        LinkSettings.from_dict({"id_column": "x", "entity": "legal_entity", "roles": {"name": "n"}, "review_from": 0.9})
