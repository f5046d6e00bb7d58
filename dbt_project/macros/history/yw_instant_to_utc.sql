{#- A timestamp with time zone (the landing zone's _yw_extracted_at) as a UTC timestamp without
    zone, the warehouse's *_at convention. -#}
{% macro yw_instant_to_utc(expr) -%}
    {{ return(adapter.dispatch('yw_instant_to_utc', 'yiwang')(expr)) }}
{%- endmacro %}

{% macro default__yw_instant_to_utc(expr) -%}
    ({{ expr }} at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__yw_instant_to_utc(expr) -%}
    timezone('UTC', {{ expr }})
{%- endmacro %}
