"""HTTP kind against the real party-building API server and its fault modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_connectors_helpers import contact, make_api_db, table_config
from waiting import load_factor

from connectors import committed_batches, extract, read_landed
from connectors.base import SourceError
from connectors.http import HttpJsonClient, RetryPolicy
from connectors.state import TableState
from yiwang.simulate.party_api import running

TOKEN = "http-test-token"
FAST = RetryPolicy(max_attempts=4, base_seconds=0.01, cap_seconds=0.05)


@pytest.fixture
def api_db(workspace: Path) -> Path:
    contacts = [contact(i, f"2024-03-01T{8 + i // 60:02d}:{i % 60:02d}:00+08:00") for i in range(120)]
    return make_api_db(workspace / "sources" / "party_building" / "api.sqlite", contacts)


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch):
    def point(server) -> None:
        monkeypatch.setenv("YIWANG_PARTY_API_URL", server.base_url)
        monkeypatch.setenv("YIWANG_PARTY_API_TOKEN", TOKEN)

    return point


def contacts_config(page_size: int = 50):
    cfg = table_config("party_building", "household_contacts")
    from dataclasses import replace

    options = dict(cfg.connection.options, page_size=page_size, backoff_seconds=0.01, max_attempts=4)
    return replace(cfg, connection=replace(cfg.connection, options=options))


def test_pages_incrementally_with_soft_deletes(api_db: Path, api_env) -> None:
    with running(api_db, TOKEN) as server:
        api_env(server)
        [r1] = extract([contacts_config()])
        assert r1.status == "ok", r1.error
        assert r1.counts["source"] == r1.counts["insert"] == r1.counts["source_window"] == 120
        assert server.requests == 3  # 50 + 50 + 20
        df = read_landed("party_building", "household_contacts").to_pandas()
        assert df["updatedAt"].max().isoformat() == "2024-03-01T09:59:00"  # local time, +08:00
        assert df["isDeleted"].dtype == bool and df["householdIdCard"].iloc[0] == "330602195001011234"
        # day 2: one soft delete, one new record; the watermark row itself is read again
        rows = [contact(i, f"2024-03-01T{8 + i // 60:02d}:{i % 60:02d}:00+08:00") for i in range(120)]
        rows[5] = contact(5, "2024-03-01T10:30:00+08:00", deleted=True)
        rows.append(contact(500, "2024-03-01T10:31:00+08:00"))
        make_api_db(api_db, rows)
        [r2] = extract([contacts_config()])
        assert (r2.counts["insert"], r2.counts["delete"], r2.counts["update"]) == (1, 1, 0)
        assert r2.reconciled and r2.counts["unchanged"] > 0  # the lookback re-read rows


def test_retries_throttling_errors_truncation_and_drops(api_db: Path) -> None:
    sleeps: list[float] = []
    with running(
        api_db,
        TOKEN,
        throttle_first=2,
        retry_after=0.02,
        fail_requests=(3,),
        truncate_requests=(4,),
        drop_requests=(5,),
    ) as server:
        client = HttpJsonClient(
            server.base_url, TOKEN, timeout=2, retry=RetryPolicy(6, 0.01, 0.05), sleep=sleeps.append
        )
        doc = client.get("/api/v1/household-contacts", {"page": 1, "page_size": 10})
        assert doc["data"]["total"] == 120
        assert client.attempts == 6 and len(client.retries) == 5
        assert client.retries[:3] == ["HTTP 429", "HTTP 429", "HTTP 500"]
        assert "truncated" in client.retries[3]
        assert sleeps[0] >= 0.02  # Retry-After honoured
        assert all(s <= 0.05 for s in sleeps)


def test_timeout_is_retried(api_db: Path) -> None:
    with running(api_db, TOKEN, delay_seconds=0.5) as server:
        client = HttpJsonClient(
            server.base_url, TOKEN, timeout=0.1, retry=RetryPolicy(2, 0.01, 0.01), sleep=lambda s: None
        )
        with pytest.raises(SourceError, match="gave up after 2 attempts; last: timeout"):
            client.get("/api/v1/volunteer-records", {})


@pytest.mark.parametrize(
    ("token", "path", "status"), [("wrong", "/api/v1/household-contacts", 401), (TOKEN, "/api/v1/nowhere", 404)]
)
def test_401_and_404_fail_at_once(api_db: Path, token: str, path: str, status: int) -> None:
    with running(api_db, TOKEN) as server:
        client = HttpJsonClient(server.base_url, token, retry=FAST, sleep=lambda s: None)
        with pytest.raises(SourceError, match=f"HTTP {status}") as error:
            client.get(path, {})
        assert client.attempts == 1 and TOKEN not in str(error.value) and "wrong" not in str(error.value)


def test_failing_halfway_moves_no_cursor_and_others_still_load(api_db: Path, api_env, workspace) -> None:
    with running(api_db, TOKEN) as server:
        api_env(server)
        [ok] = extract([contacts_config()])
        assert ok.status == "ok"
    cursor = TableState.load("party_building", "household_contacts", None).cursor
    batches = len(committed_batches("party_building", "household_contacts"))
    # page 2 and everything after fails with 500: bounded retries, then a clear error
    with running(api_db, TOKEN, fail_requests=tuple(range(2, 200))) as server:
        api_env(server)
        write_members(workspace)
        results = extract([contacts_config(page_size=10), table_config("party_building", "members")], full=True)
    failed, members = results
    assert failed.status == "failed" and "gave up after 4 attempts" in failed.error and "HTTP 500" in failed.error
    assert failed.kind == "transient"  # retried here already, but a later run may find the API up
    assert members.status == "ok" and members.counts["insert"] == 1  # the other source still loads
    assert TableState.load("party_building", "household_contacts", None).cursor == cursor
    assert len(committed_batches("party_building", "household_contacts")) == batches
    assert not list((workspace / "landing").glob("_staging/*"))


def write_members(workspace: Path) -> None:
    from tests_connectors_helpers import write_csv

    from yiwang.contracts import source_table

    header = source_table("party_building", "members").column_names
    row = ["DY00001", "张喆"] + [""] * (len(header) - 2)
    write_csv(workspace / "sources" / "party_building" / "exports" / "dangyuan_20240301.csv", header, [row], "gbk")


def test_rows_moving_between_pages_are_read_again(api_db: Path, api_env) -> None:
    import sqlite3
    import threading

    # the row moves while page 2 is delayed: the window widens with the load, so a busy machine
    # still moves it in time
    with running(api_db, TOKEN, delay_seconds=0.3 * load_factor()) as server:
        api_env(server)

        def update_after_first_page() -> None:
            while server.requests < 2:  # request 2 (page 2) is being delayed now
                threading.Event().wait(0.01)
            with sqlite3.connect(api_db) as con:  # row 0 moves from page 1 to the end
                con.execute("update household_contacts set updatedAt = '2024-03-01T11:00:00+08:00' where id = 0")

        mover = threading.Thread(target=update_after_first_page)
        mover.start()
        [result] = extract([contacts_config()])
        mover.join()
    assert result.status == "ok", result.error
    assert result.counts["source"] == result.counts["insert"] == 120 and result.counts["duplicates"] == 0
    assert server.requests > 3  # the first read was abandoned and started over


def test_an_empty_page_is_a_short_read_and_is_read_again(api_db: Path, api_env) -> None:
    # request 2 (page 2 of 3) answers 200 with no items but the full total
    with running(api_db, TOKEN, empty_requests=(2,)) as server:
        api_env(server)
        [result] = extract([contacts_config()])
    assert result.status == "ok", result.error
    assert result.counts["source"] == result.counts["insert"] == result.counts["source_window"] == 120
    assert server.requests == 2 + 3  # pages 1 and 2 (empty), then pages 1 to 3 again


def test_a_short_read_that_persists_fails_and_lands_nothing(api_db: Path, api_env) -> None:
    with running(api_db, TOKEN, empty_requests=tuple(range(2, 100))) as server:
        api_env(server)
        [result] = extract([contacts_config()])
    assert result.status == "failed" and not result.reconciled
    assert "the API announced 120 records but" in result.error and "gave up after 3 reads" in result.error
    assert result.kind == "transient"
    assert committed_batches("party_building", "household_contacts") == []
    assert TableState.load("party_building", "household_contacts", None).cursor is None


def test_missing_token_names_the_variable(api_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running(api_db, TOKEN) as server:
        monkeypatch.setenv("YIWANG_PARTY_API_URL", server.base_url)  # no YIWANG_PARTY_API_TOKEN
        [result] = extract([contacts_config()])
    assert result.status == "failed"
    assert "no API token" in result.error and "YIWANG_PARTY_API_TOKEN" in result.error
    assert "yiwang_party_api" in result.error and server.requests == 0
    assert result.kind == "terminal"  # a person sets the token; retrying does not
