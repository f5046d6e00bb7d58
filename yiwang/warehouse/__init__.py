"""The warehouse: raw load of the landing zone, then dbt (staging → intermediate → marts).

    from yiwang.warehouse import load_raw, build, resolve_target
    load_raw("duckdb")                 # copy committed landing batches into raw.*, once each
    build("postgres", select=["staging"])   # load, then `dbt build` on the checkout's dbt_project/

See docs/warehouse.md.
"""

from yiwang.lazy import lazy_exports

__all__ = [
    "TARGETS",
    "BuildResult",
    "LoadError",
    "LoadResult",
    "TableLoad",
    "Target",
    "WarehouseBusy",
    "build",
    "load_raw",
    "raw_table_name",
    "resolve_target",
    "warehouse_lock",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".build": ["BuildResult", "build"],
        ".load": ["LoadError", "LoadResult", "TableLoad", "load_raw", "raw_table_name"],
        ".lock": ["WarehouseBusy", "warehouse_lock"],
        ".targets": ["TARGETS", "Target", "resolve_target"],
    },
)
