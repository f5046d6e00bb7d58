{#- The models <prefix>__<platform> of every platform, unioned by column name: each selects
    `columns` by name, in that order. The platforms come from the source contracts
    (schemas/sources), so a new platform without its model fails the build instead of being
    left out. The refs must be known at parse time, which rules out discovering the models in
    `graph`; and no dbt packages can be installed here, so this stands in for
    dbt_utils.union_relations. -#}
{% macro yw_union_platforms(prefix, columns) -%}
    {%- for platform in yw__source_contracts().keys() | sort %}
    select {{ columns | join(', ') }}
    from {{ ref(prefix ~ '__' ~ platform) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- No rows, in the shape `shape` (a list of (column, logical type), yw_mention_type): the model
    of a platform that has nothing for a union. -#}
{% macro yw_no_rows(shape) -%}
    select
    {%- for name, logical in shape %}
        cast(null as {{ yw_mention_type(logical) }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    where 1 = 0
{%- endmacro %}

{#- The columns of every platform's events (int_events_unioned__<platform>) and steps
    (int_event_steps__<platform>), in order, with their logical types. -#}
{% macro yw_event_shape(kind='events') -%}
    {%- if kind == 'steps' -%}
        {{ return([
            ('source_platform', 'string'), ('source_key', 'string'), ('source_step_id', 'string'),
            ('step_order', 'integer'), ('source_step_name', 'string'), ('stage_at', 'timestamp'),
            ('department', 'string'),
        ]) }}
    {%- endif -%}
    {{ return([
        ('source_platform', 'string'), ('source_key', 'string'), ('source_category', 'string'), ('title', 'string'),
        ('request_type', 'string'), ('channel', 'string'), ('description', 'string'), ('address', 'string'),
        ('longitude', 'double'), ('latitude', 'double'), ('source_grid_code', 'string'),
        ('source_community_code', 'string'), ('reported_at', 'timestamp'), ('accepted_at', 'timestamp'),
        ('dispatched_at', 'timestamp'), ('handled_at', 'timestamp'), ('verified_at', 'timestamp'),
        ('closed_at', 'timestamp'), ('evaluated_at', 'timestamp'), ('source_due_at', 'timestamp'),
        ('source_is_overdue', 'boolean'), ('source_status_code', 'string'), ('source_status', 'string'),
        ('department', 'string'), ('escalation_level_code', 'string'), ('satisfaction_raw', 'string'),
        ('source_table', 'string'), ('reporter_role', 'string'), ('has_reporter', 'boolean'),
        ('source_updated_at', 'timestamp'),
    ]) }}
{%- endmacro %}
