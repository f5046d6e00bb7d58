{#- The lineage every staging model keeps from the landing zone (see _staging__docs.md). -#}
{% macro yw_lineage_columns(relation_alias=none) -%}
    {%- set prefix = relation_alias ~ "." if relation_alias else "" -%}
    {{ prefix }}_yw_platform,
    {{ prefix }}_yw_table,
    {{ prefix }}_yw_run_id,
    {{ prefix }}_yw_extracted_at,
    {{ prefix }}_yw_row_hash
{%- endmacro %}
