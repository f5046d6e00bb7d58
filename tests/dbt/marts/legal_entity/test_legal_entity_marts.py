"""Legal-entity marts (dim_legal_entity, legal_entity_xref) on the tiny simulated city, against the truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from warehouse_city import open_built

pytestmark = [pytest.mark.slow]


def truth(home: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(home / "sources" / "truth" / f"{name}.parquet")


@pytest.fixture(scope="module")
def marts(built_city: Path) -> dict[str, pd.DataFrame]:
    with open_built(built_city) as con:
        return {
            "entities": con.sql("select * from marts.dim_legal_entity").df(),
            "xref": con.sql("select * from marts.legal_entity_xref").df(),
            "mentions": con.sql("select mention_id from intermediate.int_legal_entity_mentions").df(),
        }


def test_the_xref_holds_every_organisation_mention_once(marts) -> None:
    xref = marts["xref"]
    ids = xref.source_platform + "/" + xref.source_table + "/" + xref.source_key + "/" + xref.entity_role
    assert sorted(ids) == sorted(marts["mentions"].mention_id)
    assert set(xref.legal_entity_key) == set(marts["entities"].legal_entity_key)


def test_one_entity_per_real_organisation_with_its_credit_code(marts, built_city) -> None:
    records = truth(built_city, "grid_platform__zz_dw")
    records = records[records.present]
    xref = marts["xref"][marts["xref"].source_table == "zz_dw"]
    joined = records.merge(xref, on="source_key")
    assert len(joined) == len(records)
    assert joined.groupby("legal_entity_key").org_id.nunique().max() == 1, "two organisations share a key"
    assert (joined.groupby("org_id").legal_entity_key.nunique() == 1).all()
    orgs = truth(built_city, "organisations").set_index("org_id")
    entities = joined.merge(marts["entities"], on="legal_entity_key")
    entities["true_code"] = orgs.credit_code.reindex(entities.org_id).to_numpy()
    known = entities[entities.credit_code.notna()]
    right = (known.credit_code == known.true_code).mean()
    assert right >= 0.99, f"{right:.3f} of golden credit codes are the organisation's own"
    # no code only where the record came without one (the mess `code_missing`)
    assert entities[entities.credit_code.isna()].mess.str.contains("code_missing").all()
    assert entities.entity_name.notna().all()


def test_party_organisations_mark_their_host(marts, built_city) -> None:
    hosts = marts["xref"][marts["xref"].entity_role == "host_organisation"]
    live = truth(built_city, "party_building__organisations")
    assert len(hosts) == live.present.sum()
    entities = marts["entities"].set_index("legal_entity_key")
    assert entities.has_party_organisation.sum() == hosts.legal_entity_key.nunique()
    assert entities.has_party_organisation.reindex(hosts.legal_entity_key).all()
