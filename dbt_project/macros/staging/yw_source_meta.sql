{#- The contract of a source table, as generated into _<platform>__sources.yml from
    schemas/sources (primary_key, delete_style, soft_delete, ...), read from the graph. Only
    meaningful while executing; at parse time it returns an empty dict. -#}
{% macro yw_source_meta(source_name, table_name) %}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name ~ " in the graph") }}
    {%- endif -%}
    {{ return(node.get('meta') or node.get('config', {}).get('meta') or {}) }}
{% endmacro %}

{% macro yw_source_column_meta(source_name, table_name, column_name) %}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- set column = (node or {}).get('columns', {}).get(column_name) -%}
    {%- if column is none -%}
        {{ exceptions.raise_compiler_error("no column " ~ column_name ~ " in source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {{ return(column.get('meta') or column.get('config', {}).get('meta') or {}) }}
{% endmacro %}
