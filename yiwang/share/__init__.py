"""Sharing (数据共享): department exports, platform fix lists (反哺), audit. See docs/sharing.md."""

from yiwang.lazy import lazy_exports

__all__ = ["ShareRefused", "ShareResult", "share"]
__getattr__, __dir__ = lazy_exports(__name__, {".export": __all__})
