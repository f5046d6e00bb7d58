"""Fixtures for the staging tests: the tiny landed city of tests/yiwang/warehouse/warehouse_city.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "yiwang" / "warehouse"))

from warehouse_city import city_workspace, landed_city

__all__ = ["city_workspace", "landed_city"]
