{#- Folder schemas are used as named (staging, intermediate, marts, seeds), not prefixed with the
    target schema: raw.*, staging.*, marts.* read the same on DuckDB and PostgreSQL.
    A write-audit-publish candidate on PostgreSQL (yiwang/warehouse/publish.py) writes them as
    <schema><suffix>, the suffix from YIWANG_SCHEMA_SUFFIX (Target.dbt_env); empty otherwise. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('YIWANG_SCHEMA_SUFFIX', '') | trim }}
    {%- endif -%}
{%- endmacro %}
