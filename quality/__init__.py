"""Quality gates (质量闸门): the landing gate per source batch and the warehouse gate before publish.

    check_landing(tables=None, ...) -> GateResult      quality/landing_gate.py
    check_warehouse(target, published=None, ...) -> GateResult   quality/warehouse_gate.py

Publish and rollback (write-audit-publish) are in yiwang/warehouse/publish.py.
"""

from yiwang.lazy import lazy_exports

__all__ = ["Check", "GateResult", "check_landing", "check_warehouse"]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {".gate": ["Check", "GateResult"], ".landing_gate": ["check_landing"], ".warehouse_gate": ["check_warehouse"]},
)
