"""Fixtures for the orchestration tests: the shared tiny landed city (tests/yiwang/warehouse)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "warehouse"))

import shutil

import pytest
from warehouse_city import ENV_CLEARED, city_workspace, landed_city

__all__ = ["city_workspace", "fresh_city", "landed_city"]


@pytest.fixture
def fresh_city(landed_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """YIWANG_HOME holding only the tiny city's sources (nothing landed yet): a first run."""
    home = tmp_path / "home"
    shutil.copytree(landed_city / "sources", home / "sources")
    monkeypatch.setenv("YIWANG_HOME", str(home))
    for name in ENV_CLEARED:
        monkeypatch.delenv(f"YIWANG_{name}", raising=False)
    return home
