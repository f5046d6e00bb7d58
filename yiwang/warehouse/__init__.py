"""The warehouse: raw load, dbt to the mention models, entity resolution, dbt marts; then publish.

    from yiwang.warehouse import load_raw, build, resolve_target
    load_raw("duckdb")                 # copy committed landing batches into raw.*, once each
    build("postgres", select=["staging"])   # load, then `dbt build` on the checkout's dbt_project/
    build("duckdb")                    # transform → resolve_entities → build_marts

Write-audit-publish: publish.py (the flow), store/ (one class per engine), flow.py (with the gate).

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
        "yiwang.targets": ["TARGETS", "Target", "resolve_target"],
    },
)
