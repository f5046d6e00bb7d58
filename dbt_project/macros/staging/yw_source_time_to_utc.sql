{#- A source time column as a UTC timestamp (the warehouse's *_at columns), from its contract:
    a local DATETIME is moved from the platform's time zone (meta.timezone of the source) to
    UTC; local-time text (type string with a format, e.g. urban management) is parsed with that
    format first. Both steps are the normalisation macros (macros/normalize/yw_datetime.sql).
    `expression` defaults to the quoted column name. -#}
{% macro yw_source_time_to_utc(source_name, table_name, column_name, expression=none) %}
    {%- set expression = expression or adapter.quote(column_name) -%}
    {%- set zone = yw_source_timezone(source_name, table_name) -%}
    {%- set column = yw_source_column_meta(source_name, table_name, column_name) -%}
    {%- if column.get('type') == 'string' -%}
        {{ yw_local_to_utc(yw_parse_local_timestamp(expression, column.get('format') or '%Y-%m-%d %H:%M:%S'), zone) }}
    {%- else -%}
        {{ yw_local_to_utc(expression, zone) }}
    {%- endif -%}
{%- endmacro %}

{#- The platform's time zone (schemas/sources/<platform>/_platform.yml). -#}
{% macro yw_source_timezone(source_name, table_name) %}
    {{ return(yw_source_meta(source_name, table_name)['timezone']) }}
{% endmacro %}
