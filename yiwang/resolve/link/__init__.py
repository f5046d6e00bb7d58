"""A record linker that stands on its own (`yiwang link`), on Splink 5 with DuckDB.

Describe a table's columns in a settings file (the unique id column, and for each compared
column its kind: chinese_id_number, credit_code, chinese_person_name, name, string, date, sex, phone,
address, free_text, exact), then `dedupe(table, settings)` or `link(left, right, settings)`.
Parameters are trained without labels (u by random sampling, m by expectation maximisation) or
loaded from a saved Splink model. See docs/link.md.
"""

from yiwang.lazy import lazy_exports

__all__ = ["KINDS", "LinkResult", "LinkSettings", "SettingsError", "dedupe", "link"]
__getattr__, __dir__ = lazy_exports(
    __name__, {".linker": ["LinkResult", "dedupe", "link"], ".settings": ["KINDS", "LinkSettings", "SettingsError"]}
)
