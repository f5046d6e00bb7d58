{#- One part of a mention id '<platform>/<table>/<source_key>/<role>' (yw_mention_id): `part` is
    platform, table, source_key or role. The source key may itself hold a '/'. -#}
{% macro yw_mention_part(mention_id, part) -%}
    {%- if part == 'platform' -%}
        split_part({{ mention_id }}, '/', 1)
    {%- elif part == 'table' -%}
        split_part({{ mention_id }}, '/', 2)
    {%- elif part == 'source_key' -%}
        {{ yw_regexp_extract(mention_id, "'^[^/]*/[^/]*/(.*)/[^/]*$'") }}
    {%- elif part == 'role' -%}
        {{ yw_regexp_extract(mention_id, "'([^/]*)$'") }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("yw_mention_part: part must be platform, table, source_key or role, not " ~ part) }}
    {%- endif -%}
{%- endmacro %}
