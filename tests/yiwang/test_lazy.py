"""Lazy package exports: the same names as eager imports, loaded on first use."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


def test_an_export_wins_over_its_same_named_submodule() -> None:
    module = importlib.import_module("yiwang.warehouse.build")  # binds the submodule on the package
    import yiwang.warehouse
    from yiwang.warehouse import build

    assert build is module.build and callable(build)
    assert yiwang.warehouse.build is module.build  # as with `from .build import build` in __init__


def test_exports_submodules_and_unknown_names() -> None:
    import quality
    from quality.gate import GateResult
    from yiwang.warehouse import generate  # a submodule that is not an export still imports

    assert quality.GateResult is GateResult
    assert {"check_landing", "check_warehouse", "Check", "GateResult"} <= set(dir(quality))
    assert generate.__name__ == "yiwang.warehouse.generate"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        quality.nothing_here  # noqa: B018
    with pytest.raises(ImportError):
        from quality import nothing_here  # noqa: F401


def test_importing_a_package_loads_none_of_its_exports() -> None:
    code = (
        "import sys, connectors, quality, yiwang.warehouse, yiwang.share, yiwang.resolve.link\n"
        "print(sorted(m for m in ('pyarrow', 'great_expectations', 'duckdb', 'splink') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
