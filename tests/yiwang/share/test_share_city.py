"""Department exports from the tiny city's built warehouse: masking, tokens, entitlements, audit,
manifests, delta on day 2, fix lists."""

from __future__ import annotations

import hashlib
import json
import re

import duckdb
import pandas as pd
import pytest

from yiwang.audit import read as read_audit
from yiwang.audit import verify_chain
from yiwang.share import ShareRefused, share
from yiwang.share.export import english_name

pytestmark = [pytest.mark.slow]

ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _frame(path) -> pd.DataFrame:
    """An export with its column names (spreadsheets carry Chinese headers with the name beside)."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    else:
        frame = pd.read_excel(path, dtype=str)
    return frame.rename(columns=english_name)


def _all_text(path) -> str:
    return _frame(path).astype(str).to_csv(index=False)


def test_two_departments_get_masked_exports_with_tokens(built_city, share_env):
    share_env(built_city)
    result = share()
    assert result.ok, result.errors
    by_dep = {e.department: e for e in result.exports}
    assert set(by_dep) == {"yuecheng_civil_affairs", "shangyu_enforcement", "city_statistics"}

    civil = by_dep["yuecheng_civil_affairs"].path
    persons = pd.read_parquet(civil / "dim_person.parquet")
    assert len(persons) > 50
    assert persons["current_grid_code"].str.startswith("330602").all()  # own district only
    ids = persons["id_number"].dropna()
    assert ids.str.fullmatch(r"\d{6}\*{8}[\dX]{4}").all()
    assert persons["phone"].dropna().str.fullmatch(r"1\d{2}\*{4}\d{4}").all()
    assert persons["person_name"].dropna().str.contains(r"\*").all()
    assert persons["person_key"].str.fullmatch(r"[0-9a-f]{64}").all()

    # no unmasked 18-character ID number in any export (none of them is entitled to one)
    for export in result.exports:
        for file in export.path.iterdir():
            if file.name != "manifest.json":
                assert not ID18.search(_all_text(file)), file

    # the same person's token differs between departments; within one department it is stable
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
        truth = con.execute("select person_key from marts.dim_person where current_grid_code like '330602%'").df()
    residence = _frame(civil / "fct_residence.csv")
    assert set(residence["person_key"]) <= set(persons["person_key"]) | set(residence["person_key"])
    enforcement = _frame(by_dep["shangyu_enforcement"].path / "fct_event.csv")
    assert not set(enforcement["reporter_person_key"].dropna()) & set(persons["person_key"])
    assert len(persons) == len(truth)
    assert enforcement["address"].dropna().map(lambda a: not re.search(r"\d+室|\d+单元", a)).all()

    # manifest: every file's sha256, row counts, schema, run id
    for export in result.exports:
        manifest = json.loads((export.path / "manifest.json").read_text("utf-8"))
        assert manifest["run_id"] == result.run_id
        for entry in manifest["datasets"]:
            file = export.path / entry["file"]
            assert hashlib.sha256(file.read_bytes()).hexdigest() == entry["sha256"]
            assert len(_frame(file)) == entry["rows"]
            assert entry["schema"]
    stats = _frame(by_dep["city_statistics"].path / "dim_person.xlsx")
    assert (stats["person_count"].astype(int) >= 5).all()
    assert open(by_dep["shangyu_enforcement"].path / "fct_event.csv", "rb").read(3) == b"\xef\xbb\xbf"

    audit = read_audit()
    assert {(a["department"], a["what"]) for a in audit if a["event"] == "exported"} >= {
        ("yuecheng_civil_affairs", "dim_person"),
        ("shangyu_enforcement", "fct_event"),
    }
    assert all(a["purpose"] and a["sha256"] and a["actor"] for a in audit if a["event"] == "exported")
    assert verify_chain()

    # fix lists: one per platform, in the platform's own keys
    assert set(result.fixlists) == {"grid_platform", "hotline", "urban_management", "party_building"}
    grid = pd.read_csv(result.fixlists["grid_platform"], encoding="utf-8-sig", dtype=str)
    assert {"invalid_id_number", "golden_conflict"} <= set(grid["issue"])
    assert grid["source_key"].notna().all()
    assert set(grid["source_table"]) <= {"zz_syrk", "zz_syfw", "zz_dw", "zz_grid", "zz_sj", "zz_sj_lc"}
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
        orphans = con.execute("select source_platform, count(*) from marts.record_quarantine group by 1").fetchall()
    for platform, n in orphans:
        listed = pd.read_csv(result.fixlists[platform], encoding="utf-8-sig", dtype=str)
        assert (listed["issue"] == "orphan_step").sum() == n


def test_a_request_beyond_the_grant_is_refused_and_audited(built_city, share_env):
    share_env(built_city)
    with pytest.raises(ShareRefused, match="not granted"):
        share("shangyu_enforcement", datasets=["dim_person"])
    with pytest.raises(ShareRefused, match=r"columns \['description'\]"):
        share("shangyu_enforcement", datasets=["fct_event"], columns={"fct_event": ["event_key", "description"]})
    with pytest.raises(ShareRefused, match="不予共享"):
        share("yuecheng_civil_affairs", datasets=["fct_event"])
    refused = [a for a in read_audit() if a["event"] == "refused"]
    assert [a["what"] for a in refused] == ["dim_person", "fct_event.description", "fct_event"]
    assert all(a["department"] and a["reason"] for a in refused)
    assert verify_chain()


def test_a_missing_department_key_fails_clearly(built_city, share_env, monkeypatch):
    share_env(built_city)
    monkeypatch.delenv("YIWANG_SHARE_KEY_SHANGYU_ENFORCEMENT")
    result = share("shangyu_enforcement")
    assert not result.ok
    assert "YIWANG_SHARE_KEY_SHANGYU_ENFORCEMENT is not set" in result.errors[0]
    everyone = share()  # the pipeline's run of all departments skips it, audited, and shares the others
    assert everyone.ok and [e.department for e in everyone.exports] == ["yuecheng_civil_affairs", "city_statistics"]
    assert "YIWANG_SHARE_KEY_SHANGYU_ENFORCEMENT is not set" in everyone.skipped[0]
    assert any(a["event"] == "skipped" for a in read_audit())


def test_delta_exports_only_what_changed_on_day_2(built_city, day2_city, share_env):
    share_env(built_city)
    first = share("shangyu_enforcement")
    day1 = _frame(first.exports[0].path / "fct_event.csv")
    assert (day1["_yw_change"] == "inserted").all()
    share_env(day2_city)
    second = share("shangyu_enforcement")
    delta = _frame(second.exports[0].path / "fct_event.csv")

    columns = [c for c in day1.columns if c not in ("_yw_change", "reporter_person_key", "address")]
    query = f"select {', '.join(columns)} from marts.fct_event where grid_code like '330604%'"

    def rows(home):
        with duckdb.connect(str(home / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
            frame = con.execute(query).df().astype("string").fillna("")
        return {tuple(r) for r in frame.itertuples(index=False)}

    before, after = rows(built_city), rows(day2_city)
    changed_keys = {r[0] for r in after - before}
    delta_keys = set(delta.loc[delta["_yw_change"] != "deleted", "event_key"])
    assert changed_keys <= delta_keys  # every new or changed event is in the delta
    assert 0 < len(delta) < len(day1) / 2  # and the delta is not a full export
    new_keys = {r[0] for r in after} - {r[0] for r in before}
    assert set(delta.loc[delta["_yw_change"] == "inserted", "event_key"]) == new_keys


def test_masked_id_numbers_cannot_be_rebuilt_from_the_export(built_city, share_env, tmp_path):
    share_env(built_city)
    result = share("yuecheng_civil_affairs")
    assert result.ok, result.errors
    persons = pd.read_parquet(result.exports[0].path / "dim_person.parquet")
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
        truth = set(con.execute("select id_number from marts.dim_person where id_number is not null").df()["id_number"])
    # the attack: kept head and tail of the masked number around the digits of the shipped birth date
    digits = persons["birth_date"].astype(str).str.replace(r"\D", "", regex=True)
    rebuilt = persons["id_number"].str[:6] + digits + persons["id_number"].str[-4:]
    assert len(persons) > 50 and not set(rebuilt.dropna()) & truth

    # the same grant with the full birth date is refused (audited), nothing is written
    config = tmp_path / "subscriptions.yml"
    config.write_text(
        """
departments:
  - id: yuecheng_civil_affairs
    subscriptions:
      - dataset: dim_person
        share_type: 有条件共享
        purpose: probe
        approval: probe-1
        columns: {person_key: token, id_number: id_number, birth_date: none, sex: none}
""",
        encoding="utf-8",
    )
    refused = share("yuecheng_civil_affairs", config=config)
    assert not refused.ok and "could be rebuilt" in refused.errors[0] and "birth_date" in refused.errors[0]
    assert not refused.exports
    assert not (built_city / "exports").exists()
    assert any(a["event"] == "refused" and "could be rebuilt" in a["reason"] for a in read_audit())


def test_a_fix_list_holds_only_what_its_platform_holds(built_city, share_env, tmp_path):
    from yiwang.share.fixlists import write_fixlists

    share_env(built_city)
    con = duckdb.connect()
    con.execute(f"attach '{built_city / 'warehouse' / 'yiwang.duckdb'}' as warehouse (read_only)")
    try:
        held = con.execute(
            "select source_platform, list(distinct id) from warehouse.intermediate.int_person_mentions, "
            "unnest([id_number, upper(id_number_as_given)]) as t(id) where id is not null group by 1"
        ).fetchall()
        files = write_fixlists(con, "probe", tmp_path / "fixlists")
    finally:
        con.close()
    held = {platform: set(ids) for platform, ids in held}
    seen = 0
    for platform, path in files.items():
        text = path.read_text("utf-8-sig")
        found = {m.upper() for m in ID18.findall(text)}
        assert found <= held.get(platform, set()), (platform, sorted(found - held.get(platform, set()))[:3])
        seen += len(found)
        listed = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        conflicts = listed[listed["issue"] == "golden_conflict"]
        if platform == "hotline":  # its callers' records were linked to other platforms' ID numbers
            assert len(conflicts) and conflicts["expected"].str.contains(r"\*").all()
    assert seen  # the platforms' own invalid and conflicting values are still listed


def test_sharing_stops_on_a_tampered_audit_log(built_city, share_env):
    from yiwang.audit import AuditError, audit_path

    share_env(built_city)
    assert share("shangyu_enforcement").ok and share("shangyu_enforcement").ok
    log = audit_path()
    lines = log.read_text("utf-8").splitlines()
    log.write_text("\n".join(lines[:-1]) + "\n", "utf-8")  # the last export's entry dropped
    with pytest.raises(AuditError, match=r"sharing stopped.*lines were removed at the end"):
        share("shangyu_enforcement")
    assert len(log.read_text("utf-8").splitlines()) == len(lines) - 1  # nothing appended to a broken log


def test_spreadsheets_read_as_staff_expect_and_times_are_the_citys(built_city, share_env, monkeypatch):
    """CSV headers are the schemas' Chinese names with the column beside, booleans 是/否, times
    on the city's clock (YIWANG_TIMEZONE, default Asia/Shanghai) with the offset; the manifest is
    readable Chinese and says which header is which column."""
    from yiwang.contracts import warehouse_models

    share_env(built_city)
    result = share("shangyu_enforcement")
    assert result.ok, result.errors
    folder = result.exports[0].path
    raw = pd.read_csv(folder / "fct_event.csv", encoding="utf-8-sig", dtype=str)
    chinese = {c.name: c.chinese for c in warehouse_models()["fct_event"].columns}
    assert "是否超期（is_overdue）" in raw.columns and "变更类型（_yw_change）" in raw.columns
    for header in raw.columns:
        name = english_name(header)
        assert header == f"{chinese.get(name, '变更类型')}（{name}）"
    overdue = raw["是否超期（is_overdue）"].dropna()
    assert len(overdue) and set(overdue) <= {"是", "否"}
    reported = raw[f"{chinese['reported_at']}（reported_at）"].dropna()
    assert len(reported) and reported.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00").all()

    # the same instant as the warehouse holds it (UTC), only on the city's clock
    key = raw[f"{chinese['event_key']}（event_key）"].iloc[0]
    shown = raw[f"{chinese['reported_at']}（reported_at）"].iloc[0]
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
        stored = con.execute("select reported_at from marts.fct_event where event_key = ?", [key]).fetchone()[0]
    assert pd.Timestamp(shown) == pd.Timestamp(stored).tz_localize("UTC")

    text = (folder / "manifest.json").read_text("utf-8")
    assert "\\u" not in text and "上虞区综合行政执法局" in text
    manifest = json.loads(text)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00", manifest["created_at"])
    assert manifest["datasets"][0]["headers"]["is_overdue"] == "是否超期（is_overdue）"

    monkeypatch.setenv("YIWANG_TIMEZONE", "UTC")
    utc = share("shangyu_enforcement")
    assert json.loads((utc.exports[0].path / "manifest.json").read_text("utf-8"))["created_at"].endswith("+00:00")
