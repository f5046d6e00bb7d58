"""The warehouse: raw load of the landing zone, then dbt (staging → intermediate → marts).

    from yiwang.warehouse import load_raw, build, resolve_target
    load_raw("duckdb")                 # copy committed landing batches into raw.*, once each
    build("postgres", select=["staging"])   # load, then `dbt build` on the checkout's dbt_project/

See docs/warehouse.md.
"""

from yiwang.warehouse.build import BuildResult, build
from yiwang.warehouse.load import LoadError, LoadResult, TableLoad, load_raw, raw_table_name
from yiwang.warehouse.lock import WarehouseBusy, warehouse_lock
from yiwang.warehouse.targets import TARGETS, Target, resolve_target

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
