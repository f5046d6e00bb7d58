"""GX data docs open offline: every script, style and image is local, and the page's scripts run
in headless Chromium with every network name unresolvable; old gate runs are pruned."""

from __future__ import annotations

import logging
import re
import shutil

import pandas as pd
import pytest
from waiting import run

from quality import data_docs
from quality.data_docs import STATIC, localize, prune_runs
from quality.gx_run import GxSession
from quality.suites import warehouse_suite_name

CHROMIUM = shutil.which("chromium")
LOADED = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"')


def site(runs, run_id="20261201T000000Z"):
    session = GxSession(runs / f"warehouse-{run_id}" / "data_docs", "test")
    frame = pd.DataFrame({"division_code": ["1", "2"], "division_name": ["a", "b"]})
    session.validate(warehouse_suite_name("dim_division"), frame, asset="division")
    return session.build_docs()


def test_the_data_docs_load_nothing_from_the_network(tmp_path):
    if not data_docs.ASSETS.is_dir():
        pytest.fail("quality/data_docs_assets/node_modules is missing: `make install` installs it with npm")
    index = site(tmp_path / "runs")
    pages = list(index.parent.rglob("*.html"))
    assert len(pages) >= 2
    for page in pages:
        for address in LOADED.findall(page.read_text(encoding="utf-8")):
            assert not address.startswith(("http:", "https:", "//")), (page.name, address)
            if STATIC in address:  # what localize copied (GX's own favicon path is its business)
                assert (page.parent / address).is_file(), (page.name, address)
    fonts = tmp_path / "runs" / STATIC / "@fortawesome" / "fontawesome-free" / "webfonts"
    assert any(fonts.glob("*.woff2"))  # what the icon stylesheet loads, copied with it
    assert localize(index.parent) == 0  # a second pass finds nothing left to rewrite


@pytest.mark.skipif(CHROMIUM is None, reason="apt-get install -y chromium (make test installs it)")
def test_the_pages_scripts_run_offline_in_chromium(tmp_path):
    index = site(tmp_path / "runs")
    dom = run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: a CDN address would fail
            "--dump-dom",
            index.as_uri(),
        ],
        120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'class="bootstrap-table' in dom.stdout  # jQuery and bootstrap-table ran on the results table


def test_without_the_packages_the_pages_keep_their_addresses_and_say_so(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(data_docs, "ASSETS", tmp_path / "nothing")
    with caplog.at_level(logging.WARNING, logger="quality.data_docs"):
        index = site(tmp_path / "runs")
    assert "https://code.jquery.com/" in index.read_text(encoding="utf-8")
    assert "make install" in caplog.text


def test_gate_runs_older_than_the_oldest_kept_version_are_removed(tmp_path):
    runs = tmp_path / "runs"
    for name in ("landing-20261130T010000Z", "warehouse-20261130T020000Z", "warehouse-20261201T020000Z", STATIC):
        (runs / name).mkdir(parents=True)
    assert prune_runs(runs, before="20261201T000000Z") == ["landing-20261130T010000Z", "warehouse-20261130T020000Z"]
    assert sorted(p.name for p in runs.iterdir()) == [STATIC, "warehouse-20261201T020000Z"]
