"""The extract adapter retries by the kind the connectors give each failure, never by its words."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from connectors import extract
from connectors.landing import committed_batches
from connectors.state import TableState
from yiwang.contracts import source_table
from yiwang.orchestrate import stages
from yiwang.orchestrate.errors import TransientError

HEADER = source_table("party_building", "members").column_names


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ("HOTLINE_URL", "PARTY_EXPORTS_DIR", "LANDING_DIR", "STATE_DIR", "SOURCES_DIR", "CONNECTORS_FAULT"):
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    (home / "sources").mkdir(parents=True)
    return home


def write_members(workspace: Path, name: str, n: int, header: list[str] = HEADER) -> None:
    rows = []
    for i in range(n):
        row = dict.fromkeys(HEADER, "") | {"党员编号": f"DY{i:05d}", "姓名": f"党员{i}", "手机号码": "13800138000"}
        rows.append([row[h] for h in header])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([header, *rows])
    path = workspace / "sources" / "party_building" / "exports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode("gbk"))


def only(*names: str):
    """The real connectors.extract over some of the platform's tables (the others need servers)."""

    def stage(tables, **options):
        return extract([t for t in tables if t.table in names], **options)

    return stage


def test_a_refused_file_drop_fails_at_once_and_says_how_to_confirm_it(workspace: Path) -> None:
    write_members(workspace, "dangyuan_20240301.csv", 20)
    stages.extract(only("members"), platform="party_building", run_id="r1")
    write_members(workspace, "dangyuan_20240302.csv", 7)  # under min_row_ratio of the 20 members
    with pytest.raises(AirflowFailException) as failed:
        stages.extract(only("members"), platform="party_building", run_id="r2")
    message = str(failed.value)
    assert "members (failed, terminal)" in message and "min_row_ratio" in message
    assert '{"accept_short": ["party_building.members"]}' in message
    assert len(committed_batches("party_building", "members")) == 1

    # the operator checked the file and triggers the DAG with the param: it lands
    out = stages.extract(
        only("members"), platform="party_building", run_id="r3", params={"accept_short": ["party_building.members"]}
    )
    assert out["tables"]["members"]["status"] == "ok" and len(committed_batches("party_building", "members")) == 2
    assert TableState.load("party_building", "members").files.keys() >= {"dangyuan_20240302.csv"}


def test_a_broken_file_is_terminal_and_not_offered_for_confirmation(workspace: Path) -> None:
    path = workspace / "sources" / "party_building" / "exports" / "dangyuan_20240301.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")  # an empty export: no confirmation makes it a table
    with pytest.raises(AirflowFailException, match="file is empty") as failed:
        stages.extract(only("members"), platform="party_building", run_id="r1")
    assert "accept_short" not in str(failed.value)


def test_accept_short_naming_no_table_of_the_platform_fails(workspace: Path) -> None:
    write_members(workspace, "dangyuan_20240301.csv", 3)
    for wrong in (["party_building.membres"], ["hotline.t_gd_workorder"], "hotline"):
        with pytest.raises(AirflowFailException, match="param accept_short"):
            stages.extract(only("members"), platform="party_building", run_id="r1", params={"accept_short": wrong})
    assert not committed_batches("party_building", "members")  # nothing ran on a typo


def test_a_transient_source_error_is_retried_whatever_its_message_says(workspace: Path, monkeypatch) -> None:
    # the store's path holds words an error message once had to avoid ("drift", "contract")
    store = workspace / "sources" / "drift-contract-freeze" / "hotline.sqlite"
    monkeypatch.setenv("YIWANG_HOTLINE_URL", f"sqlite:///{store}")
    with pytest.raises(TransientError, match="drift-contract-freeze") as failed:
        stages.extract(extract, platform="hotline", run_id="r1")
    assert "(failed, transient)" in str(failed.value) and "terminal" not in str(failed.value)


def test_a_held_run_fails_at_once(workspace: Path) -> None:
    write_members(workspace, "dangyuan_20240301.csv", 4)
    stages.extract(only("members"), platform="party_building", run_id="r1")
    write_members(workspace, "dangyuan_20240302.csv", 4, [h for h in HEADER if h != "手机号码"])
    with pytest.raises(AirflowFailException, match=r"members \(held, terminal\)"):
        stages.extract(only("members"), platform="party_building", run_id="r2")


def test_a_locked_table_is_transient(workspace: Path) -> None:
    write_members(workspace, "dangyuan_20240301.csv", 3)
    with TableState.load("party_building", "members").lock():  # another extraction holds it
        with pytest.raises(TransientError, match="another extraction of this table is running"):
            stages.extract(only("members"), platform="party_building", run_id="r1")


def test_one_transient_failure_retries_the_task_and_names_the_terminal_one(workspace: Path) -> None:
    write_members(workspace, "dangyuan_20240301.csv", 20)
    stages.extract(only("members"), platform="party_building", run_id="r1")
    write_members(workspace, "dangyuan_20240302.csv", 7)  # refused: terminal
    with TableState.load("party_building", "organisations").lock():  # busy: a retry may pass
        with pytest.raises(TransientError) as failed:
            stages.extract(only("members", "organisations"), platform="party_building", run_id="r2")
    assert "members (failed, terminal)" in str(failed.value)
    assert "organisations (failed, transient)" in str(failed.value)


@pytest.mark.parametrize("param", [True, False])
def test_the_warehouse_tasks_pass_the_full_refresh_param_to_their_stage(workspace: Path, param: bool) -> None:
    """The DAG run's `full_refresh` param reaches the real marts stage (refused here: no resolution yet)."""
    import duckdb

    from yiwang.warehouse.build import build_marts
    from yiwang.warehouse.publish import make_candidate

    candidate = make_candidate("duckdb", "20260101T000000000000Z")
    duckdb.connect(str(candidate.duckdb_path)).close()  # nothing published yet: an empty warehouse
    seen: list[bool] = []

    def marts(target, **options):
        seen.append(options["full_refresh"])
        return build_marts(target, **options)

    upstream = {"candidate": str(candidate.duckdb_path), "wap_run_id": "20260101T000000000000Z"}
    with pytest.raises(AirflowFailException, match="refusing to build marts"):
        stages.build_marts(marts, upstream=upstream, run_id="manual", params={"full_refresh": param})
    assert seen == [param]
