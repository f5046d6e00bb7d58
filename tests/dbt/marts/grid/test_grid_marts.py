"""dim_division and dim_grid on the tiny simulated city."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from event_marts_city import open_warehouse

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def tables(event_city: Path) -> dict[str, pd.DataFrame]:
    with open_warehouse(event_city) as con:
        return {
            "division": con.sql("select * from marts.dim_division").df(),
            "grid": con.sql("select * from marts.dim_grid").df(),
            "tree": con.sql("select * from staging.stg_grid_platform__grid_nodes").df(),
            "truth": pd.read_parquet(event_city / "sources" / "truth" / "grid_platform__zz_grid.parquet"),
        }


def test_every_grid_of_the_tree_once_with_its_parents(tables) -> None:
    grid, tree = tables["grid"], tables["tree"]
    nodes = tree[tree.grid_level_code == 5]
    assert sorted(grid.grid_code) == sorted(nodes.grid_code)
    assert (grid.community_code == grid.grid_code.str[:12]).all()
    assert (grid.street_code == grid.grid_code.str[:9]).all()
    assert (grid.district_code == grid.grid_code.str[:6]).all()
    assert grid.grid_kind.isin(["residential", "special"]).all()
    assert grid.boundary_wkt.str.startswith("POLYGON((").all()
    assert grid.grid_worker_name.notna().all()


def test_divisions_hold_the_seed_and_the_communities_of_the_tree(tables) -> None:
    division, tree = tables["division"], tables["tree"]
    current = division[division.is_current]
    assert current.division_code.is_unique
    communities = tree[tree.grid_level_code == 4]
    by_code = current.set_index("division_code")
    assert set(communities.grid_code) <= set(by_code.index)
    assert (by_code.loc[communities.grid_code, "division_level"] == "community").all()
    assert (by_code.loc[communities.grid_code, "statistical_code"] == communities.division_code.to_numpy()).all()
    assert set(tables["grid"].community_code) <= set(by_code.index)
    # the seed's levels, the abolished codes among them
    assert (by_code.loc["330600", "division_level"]) == "city"
    abolished = division.set_index("division_code").loc[["330621", "330682"]]
    assert (~abolished.is_current).all()
    assert abolished.successor_code.tolist() == ["330603", "330604"]
    assert abolished.valid_to_date.astype(str).tolist() == ["2013-10-18", "2013-10-18"]
    # a community inherits its street's validity: 柯桥区's streets and communities start in 2013
    keqiao = current[current.division_code.str.startswith("330603") & (current.division_level == "community")]
    assert (keqiao.valid_from_date.astype(str) == "2013-10-18").all()
