"""`make bi` for real: the tiny city published on PostgreSQL, the read-only BI role (marts only,
kept across a second publish's schema swap), then Superset from its own environment started by
docker/superset/bootstrap.sh, the exported dashboards imported, and the city-governance
dashboard opened in headless Chromium: every chart rendered, with the marts' numbers.

One PostgreSQL database and one BI role (roles are cluster-wide: a uuid name) for the module."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from databases import new_postgres_database
from psycopg import sql
from waiting import wait_for
from websockets.sync.client import connect as ws_connect

from yiwang.bi import SupersetSettings, ensure_env, grant_reader, reader_url, start, wait_until_healthy
from yiwang.targets import CANDIDATE_SCHEMAS, Target, resolve_target

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("superset")]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIRST, SECOND = "20260101T000000000000Z", "20260102T000000000000Z"
ADMIN_PASSWORD = "superset-test-admin"
CITY_CHARTS = {
    "受理量 Accepted",
    "结案率 Closure rate",
    "按期结案率 On-time closure rate",
    "周趋势 Weekly trend",
    "处置层级 Resolution levels",
    "高发问题 Hot spots (top 5 per week)",
    "网格覆盖 Grid coverage",
}


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what}; CI=true, so this test fails instead of skipping")
    pytest.skip(what)


@dataclass
class Warehouse:
    target: Target
    role: str
    reader_password: str

    def owner(self) -> psycopg.Connection:
        return psycopg.connect(self.target.postgres_conninfo(), autocommit=True)

    def reader(self) -> psycopg.Connection:
        info = self.target.postgres_conninfo().split()
        info = [p for p in info if not p.startswith(("user=", "password="))]
        return psycopg.connect(" ".join([*info, f"user={self.role}", f"password={self.reader_password}"]))


@pytest.fixture(scope="module")
def warehouse(landed_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The landed city, gated and published once on a fresh PostgreSQL database, with a BI role."""
    from warehouse_city import _copy_as_home

    from quality import check_landing
    from yiwang.warehouse.flow import publish

    role = f"yiwang_bi_{uuid.uuid4().hex[:10]}"
    with new_postgres_database() as url:
        with _copy_as_home(landed_city, tmp_path_factory, "bi") as _home, pytest.MonkeyPatch.context() as mp:
            mp.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", url)
            assert check_landing().ok
            first = publish("postgres", run_id=FIRST)
            assert first.published, first.error or (first.gate and [c.name for c in first.gate.failed])
            target = resolve_target("postgres")
            password = uuid.uuid4().hex
            grant_reader(target.postgres_conninfo(), role, password)
            try:
                yield Warehouse(target, role, password)
            finally:
                with psycopg.connect(target.postgres_conninfo("postgres"), autocommit=True) as conn:
                    conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(target.url().database)))
                    conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def _schemas_seen(con: psycopg.Connection) -> set[str]:
    rows = con.execute(
        "select distinct table_schema from information_schema.tables "
        "where table_schema not in ('pg_catalog', 'information_schema')"
    )
    return {r[0] for r in rows}


def _assert_marts_only(warehouse: Warehouse) -> None:
    """The role reads marts, and the versions of marts kept for rollback (marts__v_<run>: the
    swap copies the grants, the renamed old schema keeps its own), nothing else."""
    with warehouse.reader() as con:
        seen = _schemas_seen(con)
        assert "marts" in seen and all(s == "marts" or s.startswith("marts__v_") for s in seen), seen
        assert con.execute("select sum(accepted_count) from marts.kpi_event_daily").fetchone()[0] > 0
        for schema in sorted(set(CANDIDATE_SCHEMAS) - {"marts"}):
            table = con.execute("select tablename from pg_tables where schemaname = %s limit 1", [schema]).fetchone()
            if table is None:
                continue
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(table[0])))
            con.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("create temporary table scratch (x int)")


def test_the_bi_role_reads_the_marts_only_and_keeps_its_grants_across_a_publish(warehouse: Warehouse):
    from yiwang.warehouse.flow import publish
    from yiwang.warehouse.publish import copy_table, current_version, make_candidate

    with warehouse.owner() as con:
        raw = {r[0] for r in con.execute("select schemaname from pg_tables")} - {"pg_catalog", "information_schema"}
    assert {"marts", "staging"} <= raw  # the PII the role must not see is there
    _assert_marts_only(warehouse)

    # a second version: candidate schemas (a copy of the live tables), gated, swapped in
    candidate = make_candidate(warehouse.target, SECOND)
    with warehouse.owner() as con:
        for schema in CANDIDATE_SCHEMAS:
            for (table,) in con.execute("select tablename from pg_tables where schemaname = %s", [schema]).fetchall():
                copy_table(con, schema, candidate.schema(schema), table)
    second = publish(warehouse.target, candidate=candidate, run_id=SECOND)
    assert second.published, second.error
    assert current_version(warehouse.target) == SECOND
    _assert_marts_only(warehouse)
    with warehouse.reader() as con:  # the live marts is the new version's, and readable
        assert con.execute("select count(*) from marts.kpi_grid_coverage").fetchone()[0] > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def superset(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetSettings]:
    """Superset from its own env (installed here if missing), bootstrapped and serving."""
    bin_dir = ensure_env()
    workspace = tmp_path_factory.mktemp("superset")
    url = reader_url(warehouse.target.postgres_url or "", warehouse.role, warehouse.reader_password)
    settings = SupersetSettings(workspace, url, port=_free_port(), admin_password=ADMIN_PASSWORD)
    log = workspace / "superset.log"
    process = start(settings, bin_dir, log)
    try:
        wait_until_healthy(settings, process, timeout=300)
        yield settings
    except Exception:
        print(log.read_text("utf-8", "replace")[-5000:])
        raise
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)


def _api(settings: SupersetSettings) -> requests.Session:
    """A session logged in to Superset's REST API (a JWT from /api/v1/security/login)."""
    session = requests.Session()
    answer = session.post(
        f"{settings.base_url}/api/v1/security/login",
        json={"username": "admin", "password": ADMIN_PASSWORD, "provider": "db", "refresh": False},
        timeout=30,
    )
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    # SQL Lab's POSTs also want the CSRF token of this (cookie) session
    token = session.get(f"{settings.base_url}/api/v1/security/csrf_token/", timeout=30)
    token.raise_for_status()
    session.headers["X-CSRFToken"] = token.json()["result"]
    session.headers["Referer"] = settings.base_url
    return session


def _browser_session_cookie(settings: SupersetSettings) -> str:
    """Log in through Superset's own login form (CSRF token and all); returns the session cookie."""
    session = requests.Session()
    page = session.get(f"{settings.base_url}/login/", timeout=30).text
    token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    answer = session.post(
        f"{settings.base_url}/login/",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token},
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return session.cookies["session"]


class DevTools:
    """Headless Chromium driven over the DevTools protocol (no Playwright: the bare browser)."""

    def __init__(self, profile: Path) -> None:
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--window-size=1600,2600",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(p for p in pages if p["type"] == "page")
        self.ws = ws_connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.next_id = 0

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        self.process.wait(30)


# Each chart of the dashboard: its title, whether it still loads, what it drew, its text.
CHARTS_JS = """
JSON.stringify([...document.querySelectorAll('.dashboard-component-chart-holder')].map(h => ({
  title: (h.querySelector('[data-test="editable-title"], .editable-title, .header-title') || {}).textContent || '',
  loading: !!h.querySelector('.loading, [data-test="loading-indicator"]'),
  drawn: h.querySelectorAll('canvas, svg, table, .header-line').length,
  text: h.innerText,
})))
"""


# Superset draws a chart only once it is in view (dashboard virtualisation): bring each one there
SCROLL_JS = "document.querySelectorAll('.dashboard-component-chart-holder').forEach(h => h.scrollIntoView())"


def _settled(chart: dict) -> bool:
    """Done loading, and it drew something or said why not (asserted on afterwards)."""
    said = any(word in chart["text"] for word in ("No results", "Error"))
    return not chart["loading"] and (chart["drawn"] > 0 or said)


def _wait_for_charts(browser: DevTools, expected: int, budget: float = 150) -> list[dict]:
    """The charts once all are settled; fails after `budget` load-adjusted seconds in which no
    chart changed (a busy machine renders slower, not never)."""
    seen: list[list[dict]] = [[]]

    def charts() -> list[dict]:
        browser.evaluate(SCROLL_JS)
        seen[0] = json.loads(browser.evaluate(CHARTS_JS) or "[]")
        return seen[0]

    def settled() -> list[dict] | None:
        now = charts()
        return now if len(now) >= expected and all(_settled(c) for c in now) else None

    return wait_for("the dashboard's charts to render", settled, budget, progress=lambda: json.dumps(seen[0]))


def _expected(warehouse: Warehouse) -> dict[str, object]:
    """The dashboard's figures computed here from the marts, as the owner."""
    with warehouse.owner() as con:
        accepted, closed, on_time = con.execute(
            "select sum(accepted_count), sum(closed_count), sum(closed_on_time_count) from marts.kpi_event_daily"
        ).fetchone()
        week = con.execute(
            "select category_name from marts.kpi_hot_spot_weekly where category_rank = 1 "
            "order by week_start_date desc limit 1"
        ).fetchone()[0]
        grid = con.execute(
            "select grid_name, resident_count from marts.kpi_grid_coverage order by resident_count desc limit 1"
        ).fetchone()
    return {
        "accepted": f"{accepted:,}",
        "closure_rate": f"{100 * closed / accepted:.1f}%",
        "on_time_rate": f"{100 * on_time / closed:.1f}%",
        "top_category": week,
        "top_grid": grid[0],
    }


def test_superset_serves_the_city_dashboard_and_every_chart_renders_with_the_marts_numbers(
    warehouse: Warehouse, superset: SupersetSettings, tmp_path: Path
):
    if CHROMIUM is None:
        _missing("chromium is not installed (make browser)")
    api = _api(superset)
    databases = api.get(f"{superset.base_url}/api/v1/database/", timeout=30).json()["result"]
    assert [d["database_name"] for d in databases] == ["yiwang"]
    dashboards = {d["slug"]: d for d in api.get(f"{superset.base_url}/api/v1/dashboard/", timeout=30).json()["result"]}
    assert set(dashboards) == {"city-governance", "grid-coverage"}
    charts = api.get(f"{superset.base_url}/api/v1/dashboard/city-governance/charts", timeout=30).json()["result"]
    assert {c["slice_name"] for c in charts} == CITY_CHARTS

    # SQL Lab through the registered database: the marts answer, staging (raw PII) does not
    database_id = databases[0]["id"]

    def run_sql(statement: str) -> requests.Response:
        return api.post(
            f"{superset.base_url}/api/v1/sqllab/execute/",
            json={"database_id": database_id, "sql": statement, "runAsync": False, "schema": "marts"},
            timeout=60,
        )

    answer = run_sql("select count(*) as n from marts.kpi_grid_coverage")
    assert answer.ok and answer.json()["data"][0]["n"] > 0, answer.text[:500]
    with warehouse.owner() as con:
        staged = con.execute("select tablename from pg_tables where schemaname = 'staging' limit 1").fetchone()[0]
    denied = run_sql(f"select * from staging.{staged} limit 1")
    assert not denied.ok and "permission denied" in denied.text, denied.text[:500]

    expected = _expected(warehouse)
    browser = DevTools(tmp_path / "chromium")
    try:
        browser.call("Network.enable")
        browser.call(
            "Network.setCookie", name="session", value=_browser_session_cookie(superset), url=superset.base_url
        )
        browser.call("Page.enable")
        browser.call("Page.navigate", url=f"{superset.base_url}/superset/dashboard/city-governance/")
        rendered = _wait_for_charts(browser, len(CITY_CHARTS))
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        (tmp_path / "city-governance.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()
    by_title = {c["title"].strip(): c for c in rendered}
    assert set(by_title) == CITY_CHARTS, rendered
    for title, chart in by_title.items():
        assert chart["drawn"] > 0, (title, chart)
        assert "No results" not in chart["text"] and "Error" not in chart["text"], (title, chart["text"][:300])
    assert expected["accepted"] in by_title["受理量 Accepted"]["text"]
    assert expected["closure_rate"] in by_title["结案率 Closure rate"]["text"]
    assert expected["on_time_rate"] in by_title["按期结案率 On-time closure rate"]["text"]
    assert expected["top_category"] in by_title["高发问题 Hot spots (top 5 per week)"]["text"]
    assert expected["top_grid"] in by_title["网格覆盖 Grid coverage"]["text"]
    assert (tmp_path / "city-governance.png").stat().st_size > 50_000
