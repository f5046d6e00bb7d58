"""Quality gates (质量闸门): the landing gate per source batch and the warehouse gate before publish.

    check_landing(tables=None, ...) -> GateResult      quality/landing.py
    check_warehouse(target, published=None, ...) -> GateResult   quality/warehouse.py

Publish and rollback (write-audit-publish) are in yiwang/warehouse/publish.py.
"""

from quality.gate import Check, GateResult
from quality.landing import check_landing
from quality.warehouse import check_warehouse

__all__ = ["Check", "GateResult", "check_landing", "check_warehouse"]
