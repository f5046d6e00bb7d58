"""Fixtures: the tiny landed and built city of tests/yiwang/warehouse/warehouse_city.py, and the
planted marts of planted_marts.py in a DuckDB file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "yiwang" / "warehouse"))

import duckdb
import pytest
from planted_marts import plant_statements
from warehouse_city import built_city, city_workspace, landed_city, published_city

__all__ = ["built_city", "city_workspace", "landed_city", "published_city"]


@pytest.fixture
def planted(tmp_path):
    """A DuckDB file with the planted marts (7 null names, 3 duplicated keys, 2 broken references)."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        for statement in plant_statements():
            con.execute(statement)
    return path
