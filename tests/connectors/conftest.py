"""Fixtures for the connector tests: an isolated workspace (builders live in tests_connectors_helpers)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh YIWANG_HOME with no platform URLs set (so the embedded defaults apply)."""
    home = tmp_path / "home"
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in (
        "URBAN_MANAGEMENT_URL",
        "HOTLINE_URL",
        "GRID_PLATFORM_URL",
        "PARTY_API_URL",
        "PARTY_API_TOKEN",
        "PARTY_EXPORTS_DIR",
        "LANDING_DIR",
        "STATE_DIR",
        "SOURCES_DIR",
        "CONNECTORS_FAULT",
    ):
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    (home / "sources").mkdir(parents=True)
    return home
