"""dim_division and dim_grid agree with schemas/warehouse/division.yml and grid.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
from event_marts_city import assert_matches_the_schema_file, open_warehouse

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize("model", ["dim_division", "dim_grid"])
def test_grid_marts_match_their_schema_files(event_city: Path, model: str) -> None:
    with open_warehouse(event_city) as con:
        assert_matches_the_schema_file(con, model)
