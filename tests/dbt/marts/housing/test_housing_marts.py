"""Housing marts (dim_house, dim_compound) on the tiny simulated city, against the simulator's truth."""

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
        out = {t: con.sql(f"select * from marts.{t}").df() for t in ("dim_house", "dim_compound", "dim_person")}
        clusters = con.sql("select mention_id, house_key from resolution.house_clusters").df()
        residence = con.sql("select * from marts.fct_residence where is_current").df()
    clusters["source_key"] = clusters.mention_id.str.split("/").str[2]
    records = truth(built_city, "grid_platform__zz_syfw")
    out["records"] = records[records.present].merge(clusters, on="source_key", how="left")
    out["residence"] = residence
    return out


def test_one_house_per_real_house(marts) -> None:
    records, houses = marts["records"], marts["dim_house"]
    assert records.house_key.notna().all(), "a live house record has no house"
    assert records.groupby("house_key").house_id.nunique().max() == 1, "two real houses share a key"
    splits = records.groupby("house_id").house_key.nunique()
    assert (splits == 1).mean() >= 0.99, splits[splits > 1].head()
    assert set(houses.house_key) == set(records.house_key)
    assert houses.standard_address.notna().all()


def test_attributes_are_the_real_house_s(marts, built_city) -> None:
    real = truth(built_city, "houses").set_index("house_id")
    joined = marts["records"].drop_duplicates("house_key").merge(marts["dim_house"], on="house_key")
    assert (joined.grid_code.to_numpy() == real.grid_code.reindex(joined.house_id).to_numpy()).mean() >= 0.99
    area = real.area.reindex(joined.house_id).to_numpy()
    assert (abs(joined.floor_area_m2.to_numpy() - area) < 0.05).mean() >= 0.95
    people = truth(built_city, "persons").set_index("person_id")
    owners = joined.merge(
        marts["dim_person"][["person_key", "id_number"]], left_on="owner_person_key", right_on="person_key"
    )
    true_owner_id = people.id_number.reindex(real.owner_person_id.reindex(owners.house_id)).to_numpy()
    assert len(owners) >= 0.95 * len(joined)
    assert (owners.id_number.to_numpy() == true_owner_id).mean() >= 0.95


def test_occupants_are_the_current_residents(marts, built_city) -> None:
    """occupant_count counts the distinct persons with a current residence row in the house, which
    for almost every house is the number of people the truth says live there."""
    houses = marts["dim_house"].set_index("house_key")
    counted = marts["residence"].groupby("house_key").person_key.nunique()
    assert (houses.occupant_count == counted.reindex(houses.index).fillna(0).astype(int)).all()
    residents = truth(built_city, "grid_platform__zz_syrk")
    living = residents[residents.present].groupby("house_id").person_id.nunique()
    key_of = marts["records"].drop_duplicates("house_id").set_index("house_id").house_key
    expected = living.rename(index=key_of).reindex(houses.index).fillna(0).astype(int)
    assert (houses.occupant_count == expected).mean() >= 0.95


def test_one_compound_per_real_compound(marts, built_city) -> None:
    compounds, houses = marts["dim_compound"], marts["dim_house"]
    real = truth(built_city, "houses")
    assert len(compounds) == real.compound_id.nunique()
    assert compounds.compound_key.is_unique and compounds.community_name.notna().all()
    assert compounds.house_count.sum() == houses.compound_name.notna().sum()
    assert compounds.occupant_count.sum() == houses[houses.compound_name.notna()].occupant_count.sum()
