{#- Hours (fractional) from timestamp `start_at` to `end_at`; null when either is null. -#}
{% macro yw_hours_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('yw_hours_between', 'yiwang')(start_at, end_at)) }}
{%- endmacro %}

{% macro duckdb__yw_hours_between(start_at, end_at) -%}
    (date_diff('second', {{ start_at }}, {{ end_at }}) / 3600.0)
{%- endmacro %}

{% macro postgres__yw_hours_between(start_at, end_at) -%}
    (extract(epoch from ({{ end_at }} - {{ start_at }})) / 3600.0)
{%- endmacro %}
