{#- The warehouse key of an event (事件主键, 一事一码): md5 of '<platform>/<source key>', lower-case
    hex, the same on DuckDB and PostgreSQL. `platform` is the source platform's name
    (urban_management, hotline, grid_platform) and `source_key` the platform's case number
    (task_num, gdbh, sjbh); both are SQL expressions. Every model that names an event uses this
    macro (marts.fct_event, intermediate.int_event_reports, resolution.matter_clusters), so the
    keys agree without a lookup table. -#}
{% macro yw_event_key(platform, source_key) -%}
    md5(cast({{ platform }} as {{ dbt.type_string() }}) || '/' || cast({{ source_key }} as {{ dbt.type_string() }}))
{%- endmacro %}
