"""Docs run: every `bi-example` SQL block of docs/bi.md runs on the tiny city's warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.slow]

DOC = Path(__file__).resolve().parents[4] / "docs" / "bi.md"


def examples() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text("utf-8"), flags=re.S)
    return [b for b in blocks if b.startswith("-- bi-example")]


def test_the_examples_run_and_return_rows(built_city):
    assert len(examples()) == 2
    with duckdb.connect(str(built_city / "warehouse" / "yiwang.duckdb"), read_only=True) as con:
        for sql in examples():
            assert con.execute(sql).fetchall(), sql
