"""One person, many complaints (一人多诉) and one matter, many complaints (一事多诉) in fct_event,
recomputed here from the rows themselves."""

from __future__ import annotations

import pandas as pd
import pytest
from warehouse_city import open_built

pytestmark = [pytest.mark.slow]


def test_repeat_complaints_and_matter_counts_match_a_recount(built_city):
    with open_built(built_city) as con:
        events = con.execute(
            "select event_key, reporter_person_key, reported_at, reporter_prior_reports, is_repeat_complaint, "
            "matter_key, matter_report_count from marts.fct_event"
        ).df()
    window = pd.Timedelta(days=30)
    by_person = events.dropna(subset=["reporter_person_key"]).groupby("reporter_person_key")
    expected = {}
    for _, group in by_person:
        times = group.reported_at.sort_values()
        for key, at in zip(group.event_key, group.reported_at, strict=True):
            expected[key] = int(((times >= at - window) & (times <= at)).sum()) - 1
    recount = events.event_key.map(expected)
    assert (events.reporter_prior_reports.fillna(-1) == recount.fillna(-1)).all()
    assert (events.is_repeat_complaint == (recount.fillna(0) > 0)).all()
    assert events.is_repeat_complaint.any(), "the tiny city has repeat complainants"
    sizes = events.groupby("matter_key").event_key.transform("size")
    assert (events.matter_report_count == sizes).all()
    assert (events.matter_report_count > 1).any()
