{#- The latest landed version of every business key of a raw table, deletes applied.

    raw.<platform>__<table> is append-only: one row per landed version. The latest version of a
    key sorts first by var('yw_version_order'), each column descending: the batch landed last
    (run id), then the later part file within it (_yw_part); connectors/latest.py reads the same
    var, so the connectors' key index and this macro agree. The key is gone when that version is a
    delete (`_yw_op = 'delete'`: a hard delete found by difference, or a soft delete flagged by the
    connector) or carries the contract's soft-delete flag. Keys and flags come from the contract
    (yw_source_meta).

    Returns a select of every raw column plus _yw_version (always 1); use it as the first CTE of a
    staging model:  with latest as ({{ yw_latest_state('hotline', 't_gd_workorder') }})  -#}
{% macro yw_latest_state(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- set meta = yw_source_meta(source_name, table_name) -%}
    {%- set keys = meta.get('primary_key') or [] -%}
    {%- if keys | length == 0 -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " has no primary_key in its meta") }}
    {%- endif -%}
    {%- set soft = meta.get('soft_delete') -%}
    select versions.*
    from (
        select
            landed.*,
            row_number() over (
                partition by {% for key in keys %}landed.{{ adapter.quote(key) }}{{ ", " if not loop.last }}{% endfor %}
                order by {% for column in var('yw_version_order') %}landed.{{ adapter.quote(column) }} desc nulls last{{ ", " if not loop.last }}{% endfor %}
            ) as _yw_version
        from {{ relation }} as landed
    ) as versions
    where versions._yw_version = 1
        and versions._yw_op <> 'delete'
    {%- if soft %}
        and coalesce(
            cast(versions.{{ adapter.quote(soft['column']) }} as {{ dbt.type_string() }})
            not in ({% for value in soft['deleted_values'] %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %}),
            true
        )
    {%- endif %}
{% endmacro %}
