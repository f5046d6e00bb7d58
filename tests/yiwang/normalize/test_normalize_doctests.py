"""The examples in the normalisers' docstrings run (docs/normalize.md quotes some of them)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "yiwang.normalize.text",
    "yiwang.normalize.numerals",
    "yiwang.normalize.identity",
    "yiwang.normalize.credit_code",
    "yiwang.normalize.phone",
    "yiwang.normalize.names",
    "yiwang.normalize.address",
    "yiwang.normalize.sex",
    "yiwang.normalize.dates",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
