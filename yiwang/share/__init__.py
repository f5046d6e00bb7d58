"""Sharing (数据共享): department exports and platform fix lists (反哺); the audit log of what was
shared is yiwang/audit.py. See docs/sharing.md."""

from yiwang.lazy import lazy_exports

__all__ = ["ShareRefused", "ShareResult", "share"]
__getattr__, __dir__ = lazy_exports(__name__, {".export": __all__})
