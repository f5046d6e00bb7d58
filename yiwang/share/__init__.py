"""Sharing (数据共享): department exports, platform fix lists (反哺), audit. See docs/sharing.md."""

from yiwang.share.export import ShareRefused, ShareResult, share

__all__ = ["ShareRefused", "ShareResult", "share"]
