"""The run report renders in real headless Chromium (Debian's chromium package) without console
errors, and shows the figures of the warehouse it was written from."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from waiting import run

from yiwang.report import write_report

pytestmark = [pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render(page: Path, shot: Path, user_data: Path) -> list[str]:
    """Open `page` in headless Chromium, save a screenshot, return the page's console lines."""
    proc = run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={user_data}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def console_errors(console: list[str]) -> list[str]:
    """Chromium's stderr log does not carry the console level (console.error shows as
    INFO:CONSOLE), so every console line but the report's own ready message counts as an error."""
    return [line for line in console if "yiwang report ready" not in line]


@pytest.mark.skipif(CHROMIUM is None, reason="apt-get install -y chromium (make test installs it)")
def test_the_report_renders_in_chromium_without_console_errors(built_city, tmp_path, monkeypatch):
    monkeypatch.setenv("YIWANG_WAREHOUSE_PATH", str(built_city / "warehouse" / "yiwang.duckdb"))
    page = write_report(run_id="test-run", out=tmp_path / "report.html")
    html = page.read_text("utf-8")
    assert "http://" not in html and "https://" not in html  # self-contained: nothing to fetch offline
    assert html.count("<svg") == 4  # trend, categories, resolution levels, grid heat map
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
        events = con.execute("select count(*) from marts.fct_event").fetchone()[0]
        persons = con.execute("select count(*) from marts.dim_person").fetchone()[0]
    assert f"<b>{events:,}</b>" in html and f"<b>{persons:,}</b>" in html

    console = render(page, tmp_path / "report.png", tmp_path / "chromium")
    assert any("yiwang report ready: 4 charts" in line for line in console), console  # logging is captured
    assert not console_errors(console), console
    assert (tmp_path / "report.png").stat().st_size > 20_000


@pytest.mark.skipif(CHROMIUM is None, reason="apt-get install -y chromium")
def test_the_console_check_catches_a_script_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>console.error('boom'); undefinedFunction();</script></body></html>")
    console = render(page, tmp_path / "broken.png", tmp_path / "chromium")
    errors = console_errors(console)
    assert any("boom" in line for line in errors) and any("undefinedFunction" in line for line in errors), console


def test_chinese_labels_have_a_font():
    """Chromium falls back through fontconfig: without a CJK font every Chinese label is a box."""
    listed = run(["fc-list", ":lang=zh", "family"], 30)
    families = listed.stdout.splitlines()
    if not families and os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip("no CJK font: `make browser` installs fonts-noto-cjk")
    assert families, "no CJK font installed: `make browser` installs fonts-noto-cjk"
    chosen = run(["fc-match", "sans-serif:lang=zh-cn", "family"], 30).stdout
    assert "CJK" in chosen or "Hei" in chosen or "Song" in chosen, chosen
