"""Each publish writes the version's dbt docs site (static, with the catalog read from the
published warehouse), the run report links it, and it goes with the version when pruned."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from warehouse_city import FIRST_PUBLISHED, built_city, city_workspace, published_city

__all__ = ["built_city", "city_workspace", "published_city"]
pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _docs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite switches the docs off (tests/conftest.py); here each publish writes them."""
    from yiwang.warehouse.dbt_docs import DOCS_ENV

    monkeypatch.setenv(DOCS_ENV, "on")


def _embedded(html: str, name: str) -> dict:
    """The JSON dbt's static page embeds in place of its loader (`{manifest:{…},catalog:{…}}`)."""
    marker = re.search(r"\bmanifest:\{", html)
    assert marker, "no inline manifest in the page"
    manifest, end = json.JSONDecoder().raw_decode(html, marker.end() - 1)
    if name == "manifest":
        return manifest
    assert html[end : end + len(",catalog:")] == ",catalog:", html[end : end + 40]
    return json.JSONDecoder().raw_decode(html, end + len(",catalog:"))[0]


def test_a_publish_writes_the_versions_docs_with_the_catalog_and_the_report_links_it(published_city: Path, tmp_path):
    from yiwang.report import write_report
    from yiwang.warehouse.dbt_docs import docs_for

    page = docs_for(FIRST_PUBLISHED)
    assert page is not None and page == published_city / "warehouse" / "dbt_docs" / FIRST_PUBLISHED / "index.html"
    html = page.read_text(encoding="utf-8")
    catalog = _embedded(html, "catalog")
    # the catalog is read from the database: the column comments persist_docs wrote, in Chinese
    person = next(node for key, node in catalog["nodes"].items() if key.endswith(".dim_person"))
    comments = {c["name"]: c["comment"] for c in person["columns"].values()}
    assert any(re.search(r"[\u4e00-\u9fff]", text or "") for text in comments.values()), comments
    warehouse = published_city / "warehouse" / "yiwang.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:  # what the warehouse itself says
        stored = dict(
            con.execute(
                "select column_name, comment from duckdb_columns()"
                " where table_name = 'dim_person' and comment is not null"
            ).fetchall()
        )
    assert stored and all(comments[name] == text for name, text in stored.items())
    # no leftovers of the generation (its own target folder, the read-only profile) beside the page
    assert sorted(p.name for p in page.parent.parent.iterdir()) == [FIRST_PUBLISHED]
    # the run report links the page of the version it reports on
    report = write_report(out=tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'href="{page.resolve().as_uri()}"' in report
    assert "数据字典" in report


def test_the_docs_go_with_the_versions_no_longer_kept(published_city: Path, monkeypatch):
    from yiwang.warehouse.dbt_docs import docs_dir, prune

    older = docs_dir() / "20250101T000000000000Z"
    older.mkdir()
    (older / "index.html").write_text("old", encoding="utf-8")
    assert prune(before=FIRST_PUBLISHED) == [older.name]
    assert (docs_dir() / FIRST_PUBLISHED / "index.html").is_file()


def test_docs_can_be_switched_off(built_city: Path, monkeypatch):
    from yiwang.targets import resolve_target
    from yiwang.warehouse.dbt_docs import DOCS_ENV, generate

    monkeypatch.setenv("YIWANG_HOME", str(built_city))
    monkeypatch.setenv(DOCS_ENV, "off")
    assert generate(resolve_target("duckdb"), "20260101T000000000001Z") is None
    assert not (built_city / "warehouse" / "dbt_docs" / "20260101T000000000001Z").exists()


def test_the_docs_are_made_while_a_reader_holds_the_published_file(published_city: Path):
    """DuckDB gives a writer the file alone: a page made read-only works beside a reader in
    another process (a read-write open would fail on the reader's lock)."""
    import subprocess
    import sys

    from yiwang.targets import resolve_target
    from yiwang.warehouse.dbt_docs import generate

    warehouse = published_city / "warehouse" / "yiwang.duckdb"
    hold = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(warehouse)!r}, read_only=True)\n"
        "print('open', flush=True)\n"
        "sys.stdin.read()\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        with pytest.raises(duckdb.IOException):  # what a writer meets while the reader is there
            duckdb.connect(str(warehouse)).close()
        page = generate(resolve_target("duckdb"), "20260101T000000000001Z")
        assert page is not None and page.is_file()
        assert _embedded(page.read_text(encoding="utf-8"), "catalog")["nodes"]
    finally:
        reader.communicate("", timeout=60)


@pytest.mark.postgres
def test_a_postgres_publish_writes_the_docs_from_read_only_transactions(
    city_workspace: Path, postgres_database, monkeypatch
):
    from quality import check_landing
    from yiwang.warehouse.dbt_docs import docs_for
    from yiwang.warehouse.flow import publish

    monkeypatch.setenv("YIWANG_WAREHOUSE_POSTGRES_URL", postgres_database)
    assert check_landing().ok
    result = publish("postgres", run_id=FIRST_PUBLISHED)
    assert result.published, result.error
    assert "dbt_docs" in result.steps
    page = docs_for(FIRST_PUBLISHED)
    assert page is not None
    catalog = _embedded(page.read_text(encoding="utf-8"), "catalog")
    person = next(node for key, node in catalog["nodes"].items() if key.endswith(".dim_person"))
    assert person["metadata"]["schema"] == "marts"  # the published schemas, not a candidate's
    comments = [c["comment"] for c in person["columns"].values()]
    assert any(re.search(r"[\u4e00-\u9fff]", text or "") for text in comments), comments
