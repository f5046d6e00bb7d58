-- 入仓隔离记录: staged records that attach to nothing in the warehouse, with the reason. Today:
-- flow steps (流转记录) of a case or work order the source no longer (or never) had.
{%- set string = dbt.type_string() %}
-- Later union branches take their column names from the first one.
-- noqa: disable=AL03
with orphans as (
    select
        'urban_management' as source_platform, 'um_case_flow' as source_table,
        cast(steps.case_step_id as {{ string }}) as source_key, steps.case_id as parent_key
    from {{ ref('stg_urban_management__case_steps') }} as steps
    left join {{ ref('stg_urban_management__cases') }} as cases on cases.case_id = steps.case_id
    where cases.case_id is null

    union all
    select
        'hotline', 't_gd_lzjl', cast(steps.work_order_step_id as {{ string }}), steps.work_order_id
    from {{ ref('stg_hotline__work_order_steps') }} as steps
    left join {{ ref('stg_hotline__work_orders') }} as orders on orders.work_order_id = steps.work_order_id
    where orders.work_order_id is null
)

-- noqa: enable=AL03
select
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    source_key,
    cast('orphan_step' as {{ string }}) as reason_code,
    cast('step of ' || parent_key || ', which the source does not hold' as {{ string }}) as reason,
    cast(parent_key as {{ string }}) as parent_key
from orphans
