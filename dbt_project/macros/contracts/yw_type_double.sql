{#- The double-precision float type: what the generated contracts call `float` (double on
    DuckDB, double precision on PostgreSQL; dbt.type_float() is a 4-byte float on DuckDB). -#}
{% macro yw_type_double() -%}
    {{ return(adapter.dispatch('yw_type_double', 'yiwang')()) }}
{%- endmacro %}

{% macro default__yw_type_double() -%}double precision{%- endmacro %}

{% macro duckdb__yw_type_double() -%}double{%- endmacro %}
