{#- The first match of the regular expression `pattern` (a SQL string literal with one outer
    capturing group) in `expression`, or null: regexp_extract on DuckDB (RE2), substring ... from
    on PostgreSQL (which returns the first parenthesised group). Keep patterns to the syntax both
    share: character classes, alternation, counted repetition. -#}
{% macro yw_regexp_extract(expression, pattern) -%}
    {{ return(adapter.dispatch('yw_regexp_extract', 'yiwang')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__yw_regexp_extract(expression, pattern) -%}
    nullif(regexp_extract({{ expression }}, {{ pattern }}, 1), '')
{%- endmacro %}

{% macro postgres__yw_regexp_extract(expression, pattern) -%}
    substring({{ expression }} from {{ pattern }})
{%- endmacro %}
