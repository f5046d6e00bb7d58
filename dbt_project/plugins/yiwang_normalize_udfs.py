"""dbt-duckdb plugin: the Python normalisers of `yiwang.normalize` as DuckDB functions.

On every DuckDB connection dbt opens, `register_duckdb_udfs` adds normalize_text,
normalize_id_number, id_number_is_valid, id_number_reason, parse_id_number,
normalize_credit_code, credit_code_is_valid, normalize_phone, phone_kind,
normalize_person_name, person_name_pinyin_key, person_name_phonetic_key,
standard_address_key, decode_sex and parse_date (Arrow UDFs; see
yiwang/normalize/duckdb_udfs.py). Models use them for what has no SQL version: address parsing
(standard_address_key), pinyin and phonetic keys, reason codes. They exist on DuckDB only;
identifiers, phones, names, sex and times have SQL macros (macros/normalize/) that run on both
targets.

Enable it in the DuckDB output of profiles.yml:

    plugins:
      - module: yiwang_normalize_udfs
    module_paths:
      - "{{ env_var('YIWANG_DBT_PLUGINS_DIR', 'plugins') }}"

The default path is right when dbt runs from dbt_project/; a caller running dbt from elsewhere
sets YIWANG_DBT_PLUGINS_DIR to this folder's absolute path.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from yiwang.normalize import register_duckdb_udfs

# One of the functions register_duckdb_udfs adds: present means the connection is done.
_MARKER = "standard_address_key"


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        """Register the UDFs once per connection (cursors share the connection's functions)."""
        registered = conn.execute(
            "select count(*) from duckdb_functions() where function_name = ?", [_MARKER]
        ).fetchone()[0]
        if not registered:
            register_duckdb_udfs(conn)
