{#- The contract of a source table (primary_key, delete_style, soft_delete, timezone, columns),
    from _yw_source_contracts.sql, generated from schemas/sources. Works in every context,
    including unit tests and parsing, where dbt's graph is empty. -#}
{% macro yw_source_meta(source_name, table_name) %}
    {%- set table = yw__source_contracts().get(source_name, {}).get(table_name) -%}
    {%- if table is none -%}
        {{ exceptions.raise_compiler_error("no contract for source " ~ source_name ~ "." ~ table_name ~ " in schemas/sources") }}
    {%- endif -%}
    {{ return(table) }}
{% endmacro %}

{#- One column's contract facts: type, format (local-time text) and codes (code list). -#}
{% macro yw_source_column_meta(source_name, table_name, column_name) %}
    {%- set column = yw_source_meta(source_name, table_name)['columns'].get(column_name) -%}
    {%- if column is none -%}
        {{ exceptions.raise_compiler_error("no column " ~ column_name ~ " in the contract of " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {{ return(column) }}
{% endmacro %}
