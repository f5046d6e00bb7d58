"""Fixtures for the mart tests: the tiny landed city (tests/yiwang/warehouse/warehouse_city.py),
its full build (`built_city`) and, for the event and grid marts, `event_city`
(event/event_marts_city.py). Registered here once so each is built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "yiwang" / "warehouse"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "event"))

from event_marts_city import event_city
from warehouse_city import built_city, city_workspace, day2_city, landed_city

__all__ = ["built_city", "city_workspace", "day2_city", "event_city", "landed_city"]
