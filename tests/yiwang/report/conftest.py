"""Fixtures: the tiny city built once (tests/yiwang/warehouse/warehouse_city.py), shared read-only."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "warehouse"))

from warehouse_city import built_city, landed_city

__all__ = ["built_city", "landed_city"]
