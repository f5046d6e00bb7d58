{#- The id of one person mention (a person named in one source record in one role), as the
    resolver's int_person_mentions and resolution.person_clusters write it:
    '<platform>/<table>/<source_key>/<role>', e.g. 'hotline/t_gd_workorder/GD100000020/caller'.
    `table` is the source table's name (um_case, t_gd_workorder, zz_sj); all four arguments are
    SQL expressions. fct_event uses it to find the reporter's person_key. -#}
{% macro yw_mention_id(platform, table, source_key, role) -%}
    {{ platform }} || '/' || {{ table }} || '/' || cast({{ source_key }} as {{ dbt.type_string() }}) || '/' || {{ role }}
{%- endmacro %}
