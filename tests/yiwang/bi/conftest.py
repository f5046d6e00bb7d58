"""Fixtures: the tiny landed city (tests/yiwang/warehouse/warehouse_city.py), to publish on PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "warehouse"))

from warehouse_city import landed_city

__all__ = ["landed_city"]
