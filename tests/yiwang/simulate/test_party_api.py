"""The party-building API server: paging, auth, errors and every fault mode, over real HTTP."""

from __future__ import annotations

import http.client
import json
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from yiwang.simulate.party_api import PartyApiServer, api_db_path, running

TOKEN = "test-token-5f2c"


def make_api_db(path: Path, n: int = 25) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.execute(
        "create table household_contacts (id INTEGER, memberNo TEXT, memberName TEXT, "
        "householdName TEXT, householdIdCard TEXT, householdPhone TEXT, householdAddress TEXT, "
        "contactSince TEXT, isDeleted INTEGER, updatedAt TEXT)"
    )
    con.execute(
        "create table volunteer_records (id INTEGER, memberNo TEXT, activityName TEXT, "
        "serviceDate TEXT, hours REAL, location TEXT, gridCode TEXT, updatedAt TEXT)"
    )
    con.executemany(
        "insert into household_contacts values (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                i,
                f"DY{i:04d}",
                "张喆",
                "王赟",
                None,
                "13800000000",
                "某小区1栋",
                "2023-05-01",
                i % 7 == 0,
                f"2024-03-{1 + i % 20:02d}T09:00:00+08:00",
            )
            for i in range(1, n + 1)
        ],
    )
    con.executemany(
        "insert into volunteer_records values (?,?,?,?,?,?,?,?)",
        [(i, f"DY{i:04d}", "清扫", "2024-03-02", 1.5, "社区", None, "2024-03-02T10:00:00+08:00") for i in range(1, 4)],
    )
    con.commit()
    con.close()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_api_db(api_db_path(tmp_path))


def get(url: str, token: str | None = TOKEN, timeout: float = 5) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_pages_in_order_with_total(db: Path) -> None:
    with running(db, TOKEN) as server:
        ids, stamps = [], []
        for page in (1, 2, 3):
            status, doc, _ = get(f"{server.base_url}/api/v1/household-contacts?page={page}&page_size=10")
            assert status == 200 and doc["code"] == 0 and doc["message"] == "ok"
            data = doc["data"]
            assert (data["page"], data["pageSize"], data["total"]) == (page, 10, 25)
            ids += [i["id"] for i in data["items"]]
            stamps += [(i["updatedAt"], i["id"]) for i in data["items"]]
        assert sorted(ids) == list(range(1, 26)) and stamps == sorted(stamps)
        item = doc["data"]["items"][0]
        assert isinstance(item["isDeleted"], bool) and item["memberName"] == "张喆"
        status, doc, _ = get(f"{server.base_url}/api/v1/volunteer-records")
        assert doc["data"]["total"] == 3 and doc["data"]["pageSize"] == 100


def test_updated_since_is_inclusive(db: Path) -> None:
    with running(db, TOKEN) as server:
        url = f"{server.base_url}/api/v1/household-contacts?page_size=1000"
        _, doc, _ = get(url + "&updated_since=2024-03-20T09:00:00%2B08:00")
        assert {i["updatedAt"] for i in doc["data"]["items"]} == {"2024-03-20T09:00:00+08:00"}
        _, doc, _ = get(url + "&updated_since=2024-03-20T01:00:00Z")  # same instant in UTC
        assert doc["data"]["total"] == 1


def test_auth_and_errors(db: Path) -> None:
    with running(db, TOKEN) as server:
        base = server.base_url
        assert get(f"{base}/healthz", token=None)[:2] == (200, {"status": "ok"})
        assert get(f"{base}/api/v1/household-contacts", token=None)[0] == 401
        status, doc, _ = get(f"{base}/api/v1/household-contacts", token="wrong")
        assert status == 401 and doc["code"] == 401 and TOKEN not in json.dumps(doc)
        assert get(f"{base}/api/v1/nothing-here")[0] == 404
        assert get(f"{base}/api/v1/household-contacts?page=0")[0] == 400
        assert get(f"{base}/api/v1/household-contacts?page_size=1001")[0] == 400
        assert get(f"{base}/api/v1/household-contacts?page_size=x")[0] == 400
        assert get(f"{base}/api/v1/household-contacts?updated_since=yesterday")[0] == 400


def test_refuses_to_start_without_token(db: Path) -> None:
    with pytest.raises(ValueError, match="token"):
        PartyApiServer(db, "")


def test_fault_throttle_then_ok(db: Path) -> None:
    with running(db, TOKEN, throttle_first=2, retry_after=3) as server:
        url = f"{server.base_url}/api/v1/volunteer-records"
        for _ in range(2):
            status, _, headers = get(url)
            assert status == 429 and headers["Retry-After"] == "3"
        assert get(url)[0] == 200
        assert server.requests == 3


def test_fault_kth_request_fails(db: Path) -> None:
    with running(db, TOKEN, fail_requests=(2,)) as server:
        url = f"{server.base_url}/api/v1/volunteer-records"
        assert [get(url)[0] for _ in range(3)] == [200, 500, 200]


def test_fault_truncated_body(db: Path) -> None:
    with running(db, TOKEN, truncate_requests=(1,)) as server:
        request = urllib.request.Request(
            f"{server.base_url}/api/v1/volunteer-records",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with pytest.raises(http.client.IncompleteRead):
            with urllib.request.urlopen(request, timeout=5) as response:
                response.read()


def test_fault_dropped_connection(db: Path) -> None:
    with running(db, TOKEN, drop_requests=(1,)) as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            get(f"{server.base_url}/api/v1/volunteer-records")
        assert get(f"{server.base_url}/api/v1/volunteer-records")[0] == 200


def test_fault_delay(db: Path) -> None:
    with running(db, TOKEN, delay_seconds=1.0) as server:
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            get(f"{server.base_url}/api/v1/volunteer-records", timeout=0.2)
