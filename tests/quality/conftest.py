"""Fixtures: the tiny landed and built city of tests/yiwang/warehouse/warehouse_city.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "yiwang" / "warehouse"))

from warehouse_city import built_city, city_workspace, landed_city

__all__ = ["built_city", "city_workspace", "landed_city"]
