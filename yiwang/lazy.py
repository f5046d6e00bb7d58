"""Package exports imported on first use (PEP 562), so `yiwang --help` does not pay for them.

A package's __init__ names its public surface as {submodule: names}; `from quality import
check_landing` works as before, but importing `quality.cli` no longer loads Great Expectations.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Callable, Iterable


class _Package(types.ModuleType):
    """A package whose exports win over a same-named submodule, as with eager imports: the import
    system binds `yiwang.warehouse.build` (the module) on the package, the export is the function."""

    _lazy_exports: dict[str, str]

    def __setattr__(self, name: str, value: object) -> None:
        submodule = isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}"
        if submodule and name in self.__dict__.get("_lazy_exports", {}):
            return
        super().__setattr__(name, value)


def lazy_exports(
    package: str, exports: dict[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, exporting each submodule's names (relative or
    absolute module paths) when first asked for."""
    where = {name: importlib.util.resolve_name(module, package) for module, names in exports.items() for name in names}
    module = sys.modules[package]
    module.__class__ = _Package
    module._lazy_exports = where

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        module.__dict__[name] = value  # later look-ups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted({*module.__dict__, *where})

    return __getattr__, __dir__
