"""Fixtures for the orchestration tests: the shared tiny landed city (tests/yiwang/warehouse)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "warehouse"))

from warehouse_city import city_workspace, landed_city

__all__ = ["city_workspace", "landed_city"]
