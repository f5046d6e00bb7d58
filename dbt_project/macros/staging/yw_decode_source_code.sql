{#- A source code decoded to its label, from the code list in the contract (yw_source_column_meta,
    generated from schemas/sources). A code missing from the list gives null,
    which the `decoded_from` test reports. `expression` defaults to the quoted column name. -#}
{% macro yw_decode_source_code(source_name, table_name, column_name, expression=none) %}
    {%- set expression = expression or adapter.quote(column_name) -%}
    {%- set codes = yw_source_column_meta(source_name, table_name, column_name).get('codes') -%}
    {%- if not codes -%}
        {{ exceptions.raise_compiler_error("column " ~ column_name ~ " of " ~ source_name ~ "." ~ table_name ~ " has no code list") }}
    {%- endif -%}
    cast(case cast({{ expression }} as {{ dbt.type_string() }})
        {%- for code, label in codes.items() %}
        when '{{ code }}' then '{{ label }}'
        {%- endfor %}
    end as {{ dbt.type_string() }})
{% endmacro %}

{#- A 0/1 flag from the source as a boolean (null stays null). -#}
{% macro yw_flag_to_boolean(expression) -%}
    case {{ expression }} when 1 then true when 0 then false end
{%- endmacro %}

{#- True when a ';'-joined tag list contains `tag` (false when the list is empty). -#}
{% macro yw_has_tag(expression, tag) -%}
    coalesce(position('{{ tag }}' in {{ expression }}) > 0, false)
{%- endmacro %}
