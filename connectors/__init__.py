"""Connectors: copy what the legacy platforms hold into the immutable landing zone, incrementally.

The public surface is small:

    from connectors import load_registry, select_tables, extract
    results = extract(select_tables(load_registry(), "hotline"))

`load_registry()` reads connectors/<platform>/tables.yml (checked against schemas/sources);
`extract()` lands each table as one Parquet batch per run with a manifest and returns a
`TableResult` per table; `committed_batches()` and `read_landed()` read what was landed.
See docs/connectors.md.
"""

from yiwang.lazy import lazy_exports

__all__ = [
    "DriftError",
    "ExtractError",
    "PlatformConfig",
    "Progress",
    "RegistryError",
    "SourceError",
    "TableConfig",
    "TableResult",
    "committed_batches",
    "extract",
    "extract_table",
    "load_registry",
    "new_run_id",
    "read_landed",
    "select_tables",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".base": ["DriftError", "ExtractError", "SourceError"],
        ".landing": ["committed_batches", "read_landed"],
        ".pipeline": ["Progress", "TableResult", "extract", "extract_table", "new_run_id"],
        ".registry": ["PlatformConfig", "RegistryError", "TableConfig", "load_registry", "select_tables"],
    },
)
