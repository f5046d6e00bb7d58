"""dbt-duckdb plugin: DuckDB's spatial extension on every connection dbt opens.

The warehouse places events in grids by point-in-polygon (macros/event/yw_point_in_polygon.sql:
ST_GeomFromText, ST_Point, ST_Intersects). The extension comes from the PyPI package
duckdb-extension-spatial, installed once into the shared extension cache and loaded from there
by `yiwang.duckdb_connection.load_extensions`; nothing is downloaded. dbt-duckdb's own
`extensions:` setting would run `install spatial` from the network instead.

Enable it in the DuckDB output of profiles.yml, next to yiwang_normalize_udfs:

    plugins:
      - module: yiwang_spatial
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from yiwang.duckdb_connection import load_extensions


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        load_extensions(conn, "spatial")
