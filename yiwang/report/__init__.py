"""The run report (运行报告): a static, self-contained HTML page per run. See docs/report.md."""

from yiwang.lazy import lazy_exports

__all__ = ["write_report"]
__getattr__, __dir__ = lazy_exports(__name__, {".html": __all__})
