"""fct_event and fct_event_stage on the tiny simulated city, checked against the simulator's truth.

The truth (sources/truth/reports.parquet) holds each report's latent stage offsets in hours
after the report, its deadline, category, escalation level and satisfaction; the platforms
show a stage once the simulation clock (the end of day 1, local time) has passed it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from event_marts_city import EVENT_TABLES, event_key, live_truth, open_warehouse, resolver_available

pytestmark = [pytest.mark.slow]
SHANGHAI = pd.Timedelta(hours=8)
AS_OF_LOCAL = pd.Timestamp("2026-11-02 00:00:00")  # end of simulated day 1 (yiwang.simulate.world.day_end)
PLATFORM = {"urban": "urban_management", "hotline": "hotline", "grid": "grid_platform"}
SATISFACTION = [100.0, 66.67, 33.33, 0.0]  # seed event_satisfaction_scores, 非常满意 .. 不满意
LEVELS = {1: "grid", 2: "community", 3: "street", 4: "district", 5: "department"}


@pytest.fixture(scope="module")
def marts(event_city: Path) -> dict[str, pd.DataFrame]:
    with open_warehouse(event_city) as con:
        out = {
            "event": con.sql("select * from marts.fct_event").df(),
            "stage": con.sql("select * from marts.fct_event_stage").df(),
            "grid": con.sql("select * from marts.dim_grid").df(),
            "matters": con.sql("select * from resolution.matter_clusters").df(),
            "persons": con.sql("select * from resolution.person_clusters").df(),
            "steps": con.sql(
                "select 'urban_management' as source_platform, case_id as source_key, case_step_id as step_id, "
                "step_name from staging.stg_urban_management__case_steps union all "
                "select 'hotline', work_order_id, work_order_step_id, step_name "
                "from staging.stg_hotline__work_order_steps"
            ).df(),
            "as_of": con.sql(
                "select max(t) from (select max(source_updated_at) as t from staging.stg_urban_management__cases "
                "union all select max(source_updated_at) from staging.stg_hotline__work_orders "
                "union all select max(source_updated_at) from staging.stg_grid_platform__events)"
            ).fetchone()[0],
        }
    return out


@pytest.fixture(scope="module")
def truth(event_city: Path) -> pd.DataFrame:
    """One row per event in fct_event's terms: event_key, the true report, stage times in UTC."""
    reports = pd.read_parquet(event_city / "sources" / "truth" / "reports.parquet").set_index("report_id")
    frames = []
    for platform in EVENT_TABLES:
        table = live_truth(event_city, platform)
        frames.append(
            pd.DataFrame(
                {"event_key": [event_key(platform, k) for k in table.source_key], "report_id": table.report_id}
            )
        )
    keys = pd.concat(frames, ignore_index=True)
    r = reports.loc[keys.report_id].reset_index()
    out = keys.assign(
        category_code=r.category_code.to_numpy(),
        reported_at=(r.reported_at - SHANGHAI).to_numpy(),
        deadline_at=(r.deadline_at.dt.floor("s") - SHANGHAI).to_numpy(),
        escalation_level=r.escalation_level.to_numpy(),
        satisfaction=r.satisfaction.to_numpy(),
    )
    for stage in ("accept", "dispatch", "return", "redispatch", "handle", "verify", "close", "evaluate", "cancel"):
        local = (r.reported_at + pd.to_timedelta(r[f"{stage}_h"], unit="h")).dt.floor("s")
        out[f"{stage}_at"] = (local.where(local < AS_OF_LOCAL) - SHANGHAI).to_numpy()
    return out.set_index("event_key")


def test_every_live_case_is_one_event_with_its_deterministic_key(marts, truth) -> None:
    events = marts["event"]
    assert events.event_key.is_unique
    assert set(events.event_key) == set(truth.index)
    expected = [event_key(p, k) for p, k in zip(events.source_platform, events.source_key, strict=True)]
    assert events.event_key.tolist() == expected
    assert set(events.source_platform) == set(EVENT_TABLES)


def test_categories_are_the_true_matters_categories(marts, truth) -> None:
    events = marts["event"].set_index("event_key")
    assert events.category_code.notna().all()
    wrong = events.category_code != truth.category_code.reindex(events.index)
    assert not wrong.any(), events[wrong][["source_platform", "source_category", "category_code"]].head()


def _same_times(actual: pd.Series, expected: pd.Series) -> pd.Series:
    a, e = pd.to_datetime(actual), pd.to_datetime(expected)
    return (a == e) | (a.isna() & e.isna())


def test_lifecycle_times_match_the_truth(marts, truth) -> None:
    events = marts["event"].set_index("event_key")
    t = truth.reindex(events.index)
    last_dispatch = t.redispatch_at.fillna(t.dispatch_at)
    checks = {
        # (column, expected, platforms that record it)
        "reported_at": (t.reported_at, ["urban_management", "hotline", "grid_platform"]),
        "accepted_at": (
            t.accept_at.where(events.source_platform == "urban_management", t.reported_at),
            ["urban_management", "hotline"],
        ),
        "dispatched_at": (last_dispatch, ["urban_management", "hotline"]),
        "handled_at": (t.handle_at, ["urban_management"]),
        "verified_at": (t.verify_at, ["urban_management"]),
        "closed_at": (t.close_at, ["urban_management", "hotline", "grid_platform"]),
        "evaluated_at": (t.evaluate_at, ["hotline"]),
    }
    for column, (expected, platforms) in checks.items():
        rows = events.source_platform.isin(platforms)
        same = _same_times(events.loc[rows, column], expected[rows])
        assert same.all(), (
            column,
            events.loc[rows][~same][["source_key", column]].head(3),
            expected[rows][~same].head(3),
        )
    # the cases cancelled (作废) at the source, and only those, are cancelled
    cancelled = events.lifecycle_stage == "cancelled"
    assert (cancelled == t.cancel_at.notna()).all()
    assert cancelled.any()


def test_one_known_case_with_a_return_has_its_steps_in_order(marts, truth) -> None:
    """An urban case that was returned (回退) and re-dispatched, then closed: its whole trail."""
    events = marts["event"].set_index("event_key")
    t = truth.reindex(events.index)
    returned = events[(events.source_platform == "urban_management") & t.return_at.notna() & t.close_at.notna()]
    assert len(returned), "the tiny city has no returned and closed urban case"
    key = returned.index.min()
    stages = marts["stage"][marts["stage"].event_key == key].sort_values("step_sequence")
    assert stages.stage.tolist() == [
        "discover",
        "accept",
        "dispatch",
        "return",
        "dispatch",
        "handle",
        "verify",
        "close",
    ]
    assert stages.source_step_name.tolist() == ["上报", "立案", "派遣", "回退", "派遣", "处置", "核查", "结案"]
    assert stages.step_sequence.tolist() == list(range(1, 9))
    expected = [
        t.loc[key, c]
        for c in (
            "reported_at",
            "accept_at",
            "dispatch_at",
            "return_at",
            "redispatch_at",
            "handle_at",
            "verify_at",
            "close_at",
        )
    ]
    assert pd.to_datetime(stages.stage_at).tolist() == pd.to_datetime(expected).tolist()
    event = events.loc[key]
    assert event.redispatch_count == 1
    assert event.lifecycle_stage == "close"
    assert event.source_status == "已结案"


def test_steps_keep_the_sources_order_and_count_returns(marts, truth) -> None:
    stage = marts["stage"]
    events = marts["event"].set_index("event_key")
    steps = marts["steps"].assign(
        event_key=lambda d: [event_key(p, k) for p, k in zip(d.source_platform, d.source_key, strict=True)]
    )
    steps = steps[steps.event_key.isin(events.index)].sort_values(["event_key", "step_id"])
    ours = stage[stage.event_key.isin(steps.event_key)].sort_values(["event_key", "step_sequence"])
    assert (
        ours.groupby("event_key").source_step_name.apply(list).equals(steps.groupby("event_key").step_name.apply(list))
    )
    returns = stage[stage.stage == "return"].groupby("event_key").size().reindex(events.index, fill_value=0)
    assert (events.redispatch_count == returns).all()
    logged = events.source_platform != "grid_platform"  # the grid platform keeps no step log
    t = truth.reindex(events.index)
    assert (events.redispatch_count[logged] == t.return_at[logged].notna().astype(int)).all()
    assert (events.redispatch_count[~logged] == 0).all()


def test_due_times_and_overdue_flags(marts, truth) -> None:
    events = marts["event"].set_index("event_key")
    t = truth.reindex(events.index)
    assert _same_times(events.due_at, t.deadline_at).all()
    as_of = pd.Timestamp(marts["as_of"])
    closed = pd.to_datetime(events.closed_at)
    due = pd.to_datetime(events.due_at)
    expected = np.where(closed.notna(), closed > due, as_of > due) & (events.lifecycle_stage != "cancelled")
    assert (events.is_overdue == expected).all()
    on_time = events.is_closed_on_time
    assert on_time[closed.isna()].isna().all()
    assert (on_time[closed.notna()].astype(bool) == (closed <= due)[closed.notna()]).all()
    # both kinds occur in a tiny city (about 12% of reports are handled late)
    assert events.is_overdue.any() and (~events.is_overdue).any()


def test_handling_hours_satisfaction_and_resolution_level(marts, truth) -> None:
    events = marts["event"].set_index("event_key")
    t = truth.reindex(events.index)
    done = pd.to_datetime(events.handled_at).fillna(pd.to_datetime(events.closed_at))
    hours = (done - pd.to_datetime(events.reported_at)).dt.total_seconds() / 3600
    assert np.allclose(events.handling_hours.astype(float), hours, equal_nan=True)
    hotline = events.source_platform == "hotline"
    evaluated = hotline & t.evaluate_at.notna()
    assert (events.satisfaction_score[evaluated] == t.satisfaction[evaluated].map(dict(enumerate(SATISFACTION)))).all()
    assert events.satisfaction_score[~evaluated].isna().all()
    grid = events.source_platform == "grid_platform"
    assert (events.resolution_level[grid] == t.escalation_level[grid].map(LEVELS)).all()
    assigned = ~grid & events.department.notna()
    assert events.resolution_level[assigned].isin(["street", "department"]).all()
    assert (events.resolution_level[events.department.str.contains("街道", na=False)] == "street").all()


def _inside(x: float, y: float, wkt: str) -> bool:
    """Even-odd ray casting over the polygon's ring, edges counted inside (independent of the SQL)."""
    ring = [tuple(map(float, p.split())) for p in wkt[wkt.index("((") + 2 : wkt.index("))")].split(",")]
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if cross == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_every_event_with_coordinates_lies_in_its_grid(marts) -> None:
    events = marts["event"]
    grids = marts["grid"]
    located = events[events.longitude.notna() & events.latitude.notna()]
    assert len(located) > 0.5 * len(events[events.source_platform != "hotline"])
    for row in located.itertuples():
        containing = sorted(
            g.grid_code for g in grids.itertuples() if _inside(row.longitude, row.latitude, g.boundary_wkt)
        )
        if containing:
            assert row.grid_code == containing[0], (row.source_key, row.grid_code, containing)
    # events without coordinates: the grid platform's own grid, or the address (compound, door
    # number); in the tiny city only consultations without an address stay without a grid
    grid_events = events[(events.source_platform == "grid_platform") & events.longitude.isna()]
    assert grid_events.grid_code.notna().all()
    unplaced = events[events.grid_code.isna()]
    assert unplaced.address.isna().all(), unplaced[["source_key", "address"]].head()
    assert len(unplaced) < 0.1 * len(events)


def test_matter_and_reporter_come_from_the_resolution(marts) -> None:
    events = marts["event"].set_index("event_key")
    matters = marts["matters"].set_index("event_key").matter_key
    assert set(matters.index) <= set(events.index), "resolution.matter_clusters names events fct_event lacks"
    assert (events.matter_key.reindex(matters.index) == matters).all()
    persons = marts["persons"].set_index("mention_id").person_key
    tables = {p: (table, role) for p, (_, table, role) in EVENT_TABLES.items()}
    mention = [
        f"{p}/{tables[p][0]}/{k}/{tables[p][1]}" for p, k in zip(events.source_platform, events.source_key, strict=True)
    ]
    expected = persons.reindex(mention).to_numpy()
    actual = events.reporter_person_key.to_numpy()
    assert all((a == e) or (pd.isna(a) and pd.isna(e)) for a, e in zip(actual, expected, strict=True))
    # the keys agree: the resolver's event keys and mention ids are the ones fct_event computes
    assert events.matter_key.notna().any(), "no event_key of resolution.matter_clusters matches yw_event_key"
    assert events.reporter_person_key[events.source_platform == "hotline"].notna().any(), (
        "no caller mention matches yw_mention_id('hotline', 't_gd_workorder', gdbh, 'caller')"
    )
    if not resolver_available():  # the truth fixture: one matter per true matter, every citizen reporter known
        assert events.matter_key.notna().all()
        assert events.reporter_person_key.notna().sum() > 0.5 * len(events)
