{#- Merge overlapping or touching validity periods of the same thing (gaps and islands).

    `relation` is a CTE or table with the columns in `partition_by` plus valid_from_at,
    valid_to_at (null while current) and is_current. Two records of one person (a duplicate
    registration, 重复登记) in the same house or with the same phone give overlapping periods;
    the warehouse says "this person had this phone from … to …" once. A SELECT (no WITH, so it
    may end a model's CTE list) of the partition columns, valid_from_at, valid_to_at (null while
    any merged period is current) and is_current. -#}
{% macro yw_merge_periods(relation, partition_by) -%}
    {%- set keys = partition_by | join(', ') -%}
    select
        {{ keys }},
        min(valid_from_at) as valid_from_at,
        case when bool_or(valid_to_at is null) then null else max(valid_to_at) end as valid_to_at,
        bool_or(is_current) as is_current
    from (
        select
            *,
            sum(case when reached_before >= valid_from_at then 0 else 1 end) over (
                partition by {{ keys }} order by valid_from_at, valid_to_at rows unbounded preceding
            ) as island
        from (
            select
                {{ keys }},
                valid_from_at,
                valid_to_at,
                is_current,
                max(coalesce(valid_to_at, cast('infinity' as timestamp))) over (
                    partition by {{ keys }} order by valid_from_at, valid_to_at
                    rows between unbounded preceding and 1 preceding
                ) as reached_before
            from {{ relation }}
        ) as yw_ordered
    ) as yw_islands
    group by {{ keys }}, island
{%- endmacro %}
