{#- The four parts of a mention id as the xref marts' columns: source_platform, source_table,
    source_key and the role under the name `role_column` (person_role, entity_role). -#}
{% macro yw_mention_columns(mention_id, role_column) -%}
    {{ yw_mention_part(mention_id, 'platform') }} as source_platform,
    {{ yw_mention_part(mention_id, 'table') }} as source_table,
    {{ yw_mention_part(mention_id, 'source_key') }} as source_key,
    {{ yw_mention_part(mention_id, 'role') }} as {{ role_column }}
{%- endmacro %}
