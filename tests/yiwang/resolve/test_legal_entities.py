"""Legal entities on hand-made records (杭州 firms, not simulator output): names that a credit code
does not decide, with the address and the legal representative as evidence. The mess is of other
kinds than the simulator's: an OCR-like wrong character, traditional characters with full-width
brackets, a branch at its parent's address, a name-only record between two namesakes."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from yiwang.resolve.legal_entities import cluster_legal_entities, entity_settings, organisation_name_key

CODE_X = "91330106MA2CXXXX1A"

ROWS = [
    # mention, name, credit code, legal representative, address
    ("reg", "宏远国际物流有限公司", None, "王芳", "杭州市西湖区文三路1号"),
    ("ocr", "宏远国标物流有限公司", None, "王 芳", "西湖区文三路1号"),  # 际 read as 标, same rep and address
    ("sound_alone", "鸿远国际物流有限公司", None, None, None),  # 鸿/宏 sound alike, nothing else agrees
    ("traditional", "宏遠國際物流（杭州）有限公司", None, "王芳", None),
    ("branch", "宏远国际物流有限公司滨江分公司", None, "王芳", "杭州市西湖区文三路1号"),
    ("namesake", "杭州市萧山区宏远国际物流有限责任公司", None, "李强", "萧山区金城路88号"),
    ("homophone", "宏源国际物流有限公司", None, "李强", "萧山区金城路88号"),  # 远/源, same rep and address
    # a record with the name and a code only: it joins one of the namesakes, never both
    ("host", "宏远国际物流有限公司", CODE_X, None, None),
]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        ROWS, columns=["mention_id", "entity_name", "credit_code", "legal_representative_name", "address"]
    )


@pytest.fixture(scope="module")
def clusters() -> pd.DataFrame:
    clusters, conflicts = cluster_legal_entities(frame())
    assert conflicts.empty
    return clusters.set_index("mention_id")


def same(clusters: pd.DataFrame, a: str, b: str) -> bool:
    return clusters.cluster[a] == clusters.cluster[b]


def test_the_same_name_with_another_representative_in_another_district_stays_apart(clusters):
    assert organisation_name_key(ROWS[0][1]) == organisation_name_key(ROWS[5][1])
    assert not same(clusters, "reg", "namesake")


def test_a_wrong_character_joins_only_with_the_same_representative_and_address(clusters):
    assert same(clusters, "reg", "ocr")
    assert clusters.match_method["ocr"] == "probabilistic"
    assert clusters.match_probability["ocr"] >= 0.99
    # a name that only sounds the same is not enough (p ≈ 0.4 against each namesake)
    assert clusters.match_method["sound_alone"] == "singleton"
    assert same(clusters, "namesake", "homophone")  # 宏源/宏远 with 李强 at 金城路88号


def test_forms_brackets_and_traditional_characters_normalise(clusters):
    assert same(clusters, "reg", "traditional")
    assert clusters.match_method["traditional"] == "name"


def test_a_branch_stays_apart_from_its_parent_even_at_the_same_address(clusters):
    assert not same(clusters, "reg", "branch")


def test_a_name_only_record_never_chains_two_namesakes(clusters):
    joined = [other for other in ("reg", "namesake") if same(clusters, "host", other)]
    assert len(joined) == 1
    assert clusters.match_method["host"] == "name"


def test_the_settings_decide(tmp_path):
    strict = dataclasses.replace(entity_settings(), threshold=0.999)
    clusters, _ = cluster_legal_entities(frame(), strict)
    clusters = clusters.set_index("mention_id")
    assert clusters.match_method["host"] == "singleton"  # the name alone (p ≈ 0.9) is below 0.999 now
    assert same(clusters, "reg", "ocr")  # name, representative and address together are not
    bad = tmp_path / "legal_entity.yml"
    bad.write_text(
        "prior: 0.01\nthreshold: 0.5\nveto: 0.2\nsimilar_name: 0.85\ncomparisons:\n"
        "  name: {exact: {m: 0.9, u: 0.001}}\n"
        "  legal_representative: {agree: {m: 0.9, u: 0.001}, disagree: {m: 0.1, u: 0.9}}\n"
        "  address: {agree: {m: 0.8, u: 0.001}, differs: {m: 0.1, u: 0.2}, other_district: {m: 0.1, u: 0.8}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="similar"):
        entity_settings(bad)
