"""fct_event and fct_event_stage agree with schemas/warehouse/event.yml and event_stage.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
from event_marts_city import assert_matches_the_schema_file, open_warehouse

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize("model", ["fct_event", "fct_event_stage"])
def test_event_marts_match_their_schema_files(event_city: Path, model: str) -> None:
    with open_warehouse(event_city) as con:
        assert_matches_the_schema_file(con, model)
