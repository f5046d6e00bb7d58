"""Fixtures: the tiny city built once (tests/yiwang/warehouse/warehouse_city.py), shared read-only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "warehouse"))

from warehouse_city import built_city, day2_city, landed_city

__all__ = ["built_city", "day2_city", "landed_city"]

KEYS = {
    "YUECHENG_CIVIL_AFFAIRS": "civil-affairs-secret-0001",
    "SHANGYU_ENFORCEMENT": "enforcement-secret-0002",
    "CITY_STATISTICS": "statistics-secret-0003",
}


@pytest.fixture
def share_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Exports into tmp_path; the warehouse is chosen per test with `use(home)`."""
    monkeypatch.setenv("YIWANG_EXPORTS_DIR", str(tmp_path / "exports"))
    for dep, key in KEYS.items():
        monkeypatch.setenv(f"YIWANG_SHARE_KEY_{dep}", key)

    def use(home: Path) -> None:
        monkeypatch.setenv("YIWANG_WAREHOUSE_PATH", str(home / "warehouse" / "yiwang.duckdb"))

    return use
