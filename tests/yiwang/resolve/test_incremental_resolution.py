"""Incremental entity resolution against a full re-cluster, on the tiny city's real mentions.

Five days are played on two copies of the built warehouse: mentions arrive, change and leave
(the intermediate mention tables are rewritten per day); one copy resolves incrementally, the
other re-clusters everything each day. Both must give every house, company and matter mention
the same key; person mentions may differ only where the scored tier does (docs/resolution.md)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from yiwang.resolve import incremental, store
from yiwang.resolve.entity_types import ENTITY_TYPES
from yiwang.resolve.evaluate import evaluate
from yiwang.resolve.resolver import resolve
from yiwang.targets import resolve_target

pytestmark = [pytest.mark.slow]

# a column per mention model that a "changed" mention has altered (a source record edited)
EDITED = {
    "int_person_mentions": "phone",
    "int_house_mentions": "address",
    "int_legal_entity_mentions": "legal_representative_name",
    "int_event_reports": "reported_at",
}

# person: the scored tier (the full run retrains each day); matter: a report's matter depends on
# every earlier report of its category within the window, so the affected set does not close
APPROXIMATE = {"person", "matter"}


def _bucket(ids: pd.Series) -> pd.Series:
    return ids.map(lambda i: int(hashlib.md5(str(i).encode()).hexdigest()[:8], 16) % 100)


def _day(frame: pd.DataFrame, id_column: str, column: str, day: int) -> pd.DataFrame:
    """The mentions present on `day`: 80% on day 1, 10% arrive on day 2, 3% are edited on day 3,
    5% leave on day 4, the last 10% arrive on day 5."""
    bucket = _bucket(frame[id_column])
    low = {1: 20, 2: 10, 3: 10, 4: 10, 5: 0}[day]
    out = frame[(bucket >= low) & ~((day >= 4) & bucket.between(90, 94))].copy()
    if day >= 3:
        edited = _bucket(out[id_column]).between(50, 52)
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out.loc[edited, column] = out.loc[edited, column] + pd.Timedelta(hours=30)
        else:
            out.loc[edited, column] = None
    return out


def _write_mentions(frames: dict[str, pd.DataFrame]) -> None:
    con = store.connect(resolve_target("duckdb"))
    try:
        for model, frame in frames.items():
            con.register("_day", frame)
            con.execute(f"create or replace table warehouse.intermediate.{model} as select * from _day")
            con.unregister("_day")
    finally:
        con.close()


def _read(table: str) -> pd.DataFrame:
    con = store.connect(resolve_target("duckdb"))
    try:
        return con.execute(f"select * from warehouse.resolution.{table}").df()
    finally:
        con.close()


def _keys(spec) -> pd.Series:
    frame = _read(spec.clusters_table)
    return frame.set_index(spec.mention_column)[spec.key].sort_index()


@pytest.fixture(autouse=True)
def _every_type_incremental(monkeypatch):
    """These tests measure incremental resolution itself, so every entity type takes it (the
    default settings keep persons and matters full: settings/incremental.yml `types`)."""
    everything = replace(incremental.incremental_settings(), types=frozenset(s.name for s in ENTITY_TYPES))
    monkeypatch.setattr(incremental, "incremental_settings", lambda: everything)


@pytest.fixture
def two_warehouses(built_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two copies of the built city: (incremental home, full home) and the day-1..5 mention frames."""
    homes = []
    for name in ("incremental", "full"):
        home = tmp_path / name
        shutil.copytree(built_city, home, ignore=shutil.ignore_patterns("*.lock"))
        homes.append(home)
    monkeypatch.setenv("YIWANG_HOME", str(homes[0]))
    con = store.connect(resolve_target("duckdb"))
    try:
        originals = {
            s.mentions: con.execute(f"select * from warehouse.intermediate.{s.mentions}").df() for s in ENTITY_TYPES
        }
    finally:
        con.close()
    return homes, originals


def test_five_days_incremental_give_the_full_re_clusters_keys(two_warehouses, monkeypatch):
    (inc_home, full_home), originals = two_warehouses
    columns = {s.mentions: s.mention_column for s in ENTITY_TYPES}
    yesterday: dict[str, pd.DataFrame] = {}
    yesterday_keys: dict[Path, dict[str, pd.Series]] = {}
    for day in range(1, 6):
        frames = {m: _day(f, columns[m], EDITED[m], day) for m, f in originals.items()}
        results = {}
        for home, full in ((inc_home, day == 1), (full_home, True)):
            monkeypatch.setenv("YIWANG_HOME", str(home))
            _write_mentions(frames)
            results[home] = resolve("duckdb", run_id=f"day-{day}", full_refresh=full)
            assert results[home].ok
        keys = {}
        for home in (inc_home, full_home):
            monkeypatch.setenv("YIWANG_HOME", str(home))
            keys[home] = {s.name: _keys(s) for s in ENTITY_TYPES}
        inc = results[inc_home]
        if day > 1:
            # the person tier retrains (a full re-cluster) once retrain_share of its mentions changed
            others = {k: v for k, v in inc.modes.items() if k != "person"}
            assert set(others.values()) <= {"incremental", "incremental (bounded)"}, inc.modes
            assert sum(c["reclustered"] for c in inc.counts.values()) < sum(c["mentions"] for c in inc.counts.values())
        scores = {}
        for home in (inc_home, full_home):
            monkeypatch.setenv("YIWANG_HOME", str(home))
            scores[home] = {x.entity_type: x.pairwise_f1 for x in evaluate(home / "sources")}
        print(f"day {day}: modes {inc.modes}; re-clustered { ({k: c['reclustered'] for k, c in inc.counts.items()}) }")
        print(f"  seconds incremental {inc.seconds:.1f} full {results[full_home].seconds:.1f}")
        for spec in ENTITY_TYPES:
            a, b = keys[inc_home][spec.name], keys[full_home][spec.name]
            print(
                f"  {spec.name}: mentions {len(a)} same key {float((a == b).mean()):.4f} "
                f"F1 incremental {scores[inc_home][spec.name]:.4f} full {scores[full_home][spec.name]:.4f}"
            )
        for spec in ENTITY_TYPES:
            a, b = keys[inc_home][spec.name], keys[full_home][spec.name]
            assert len(a) == len(frames[spec.mentions]) and a.index.equals(b.index), spec.name
            same = float((a == b).mean())
            if spec.name in APPROXIMATE:  # the documented differences (docs/resolution.md)
                assert same >= 0.995, (spec.name, day, same)
                assert scores[inc_home][spec.name] >= scores[full_home][spec.name] - 0.002, (day, scores)
            else:
                pd.testing.assert_series_equal(a, b, check_names=False, obj=f"{spec.name} keys on day {day}")
        # entities none of whose records changed, and that no new or changed record joined, keep their key
        if day > 1:
            for spec in ENTITY_TYPES:
                model = spec.mentions
                now_fp = incremental.fingerprints(frames[model], columns[model])
                then_fp = incremental.fingerprints(yesterday[model], columns[model])
                steady = now_fp.eq(then_fp.reindex(now_fp.index))  # present yesterday, row unchanged
                shares = {}
                for home in (inc_home, full_home):
                    then, today = yesterday_keys[home][spec.name], keys[home][spec.name]
                    # today's clusters holding only steady records; yesterday's entities inside them
                    clean = steady.groupby(today.reindex(steady.index).to_numpy()).all()
                    clean_today = today[today.isin(set(clean[clean].index))]
                    whole = then.index.isin(now_fp.index) & steady.reindex(then.index, fill_value=False).to_numpy()
                    entity_ok = pd.Series(whole, index=then.index).groupby(then.to_numpy()).all()
                    held = then[then.isin(set(entity_ok[entity_ok].index)) & then.index.isin(clean_today.index)]
                    kept = (today.reindex(held.index) == held).groupby(held.to_numpy()).all()
                    shares[home] = (len(kept), float(kept.mean()) if len(kept) else 1.0)
                print(
                    f"  {spec.name}: unchanged entities (count, share keeping their key): "
                    f"incremental {shares[inc_home]} full {shares[full_home]}"
                )
                # persons and matters: the documented differences move a few; the 99.9% is
                # not met for them at tiny scale (docs/resolution.md)
                floor = 0.995 if spec.name in APPROXIMATE else 0.999
                assert shares[inc_home][1] >= floor, (spec.name, day, shares)
        yesterday, yesterday_keys = frames, keys
        if day == 4:  # mentions that left are in no cluster, and their keys are retired or touched
            gone = {
                spec.name: set(originals[spec.mentions][columns[spec.mentions]])
                - set(frames[spec.mentions][columns[spec.mentions]])
                for spec in ENTITY_TYPES
            }
            monkeypatch.setenv("YIWANG_HOME", str(inc_home))
            touched = _read("touched_keys")
            for spec in ENTITY_TYPES:
                assert gone[spec.name] and not (gone[spec.name] & set(keys[inc_home][spec.name].index)), spec.name
                assert set(touched[touched.entity_type == spec.name].change) & {"changed", "gone"}, spec.name


def _person_rows(built_city_person: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    rows = built_city_person.head(len(ids)).copy()
    rows["mention_id"] = ids
    rows["person_name"] = ["甲乙丙", "丁戊己", "庚辛壬"][: len(ids)]
    rows["phone"] = None
    rows["birth_date"] = None
    rows["id_number_is_valid"] = True
    return rows


def test_a_merge_and_a_split_go_to_key_history_and_touched_keys(two_warehouses, monkeypatch):
    (home, _), originals = two_warehouses
    monkeypatch.setenv("YIWANG_HOME", str(home))
    people = _person_rows(originals["int_person_mentions"], ["t/a", "t/b", "t/c"])
    days = [("X", "Y", "Z"), ("X", "X", "Z"), ("X", "Y", "Z")]  # day 2 merges a and b, day 3 splits them
    for day, ids in enumerate(days, start=1):
        frame = people.assign(id_number=list(ids))
        _write_mentions({"int_person_mentions": frame})
        result = resolve("duckdb", run_id=f"day-{day}")
        assert result.ok
        keys = _keys(ENTITY_TYPES[0])
        touched = _read("touched_keys")
        touched = touched[touched.entity_type == "person"].set_index("entity_key").change
        if day == 1:
            first = keys
        elif day == 2:
            assert result.modes["person"] == "incremental" and result.counts["person"]["reclustered"] == 2
            assert keys["t/a"] == keys["t/b"] and keys["t/c"] == first["t/c"]
            retired = ({first["t/a"], first["t/b"]} - {keys["t/a"]}).pop()
            history = _read("key_history")
            assert history[(history.retired_key == retired)].reason.tolist() == ["merged"]
            assert touched.to_dict() == {retired: "merged", keys["t/a"]: "changed"}
            assert result.counts["house"]["reclustered"] == 0  # the other entity types did not change
        else:
            assert keys["t/a"] != keys["t/b"] and keys["t/c"] == first["t/c"]
            kept = keys["t/a"]  # the split keeps the key on the part with the smallest mention id
            assert touched[kept] == "split" and touched[keys["t/b"]] == "new"


def test_a_settings_change_forces_a_full_re_cluster(two_warehouses, monkeypatch):
    (home, _), _ = two_warehouses
    monkeypatch.setenv("YIWANG_HOME", str(home))
    same = resolve("duckdb")  # the build left its state: nothing changed since
    assert set(same.modes.values()) == {"incremental"} and same.counts["person"]["reclustered"] == 0
    monkeypatch.setattr(incremental, "settings_version", lambda: "another-version")
    again = resolve("duckdb")
    assert set(again.modes.values()) == {"full"}
    assert again.counts["person"]["reclustered"] == again.counts["person"]["mentions"]
    assert set(resolve("duckdb", full_refresh=True).modes.values()) == {"full"}
