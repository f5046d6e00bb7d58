"""The run report (运行报告): a static, self-contained HTML page per run. See docs/report.md."""

from yiwang.report.html import write_report

__all__ = ["write_report"]
