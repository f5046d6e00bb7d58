{#- A local-time text column (legacy systems that keep times as strings) as a UTC timestamp:
    parsed with the column's format from its contract (meta.format), then moved from the
    platform's local time to UTC by the normalisation macros (macros/normalize/). -#}
{% macro yw_local_text_to_utc(source_name, table_name, column_name, expression=none) %}
    {%- set expression = expression or adapter.quote(column_name) -%}
    {%- set format = yw_source_column_meta(source_name, table_name, column_name).get('format') or '%Y-%m-%d %H:%M:%S' -%}
    {{ yw_local_to_utc(yw_parse_local_timestamp(expression, format)) }}
{%- endmacro %}
