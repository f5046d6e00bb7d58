"""Fixtures for the warehouse tests: a tiny landed city (warehouse_city.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from warehouse_city import city_workspace, landed_city

__all__ = ["city_workspace", "landed_city"]
