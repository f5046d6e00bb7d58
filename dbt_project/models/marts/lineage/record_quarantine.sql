-- 入仓隔离记录: staged records that attach to nothing in the warehouse, with the reason: flow
-- steps (流转记录) of a case or work order the source no longer (or never) had, and volunteer
-- records (志愿服务记录) of a party member the source no longer holds (the member left or was
-- deleted; the platform kept the records). Such a record is not re-attached to a person by
-- guessing: it waits here until the source restores the member or removes the record.
{%- set string = dbt.type_string() %}
-- Later union branches take their column names from the first one.
-- noqa: disable=AL03
with orphans as (
    select
        'urban_management' as source_platform, 'um_case_flow' as source_table,
        cast(steps.case_step_id as {{ string }}) as source_key, steps.case_id as parent_key,
        'orphan_step' as reason_code, 'step of ' || steps.case_id || ', which the source does not hold' as reason
    from {{ ref('stg_urban_management__case_steps') }} as steps
    left join {{ ref('stg_urban_management__cases') }} as cases on cases.case_id = steps.case_id
    where cases.case_id is null

    union all
    select
        'hotline', 't_gd_lzjl', cast(steps.work_order_step_id as {{ string }}), steps.work_order_id,
        'orphan_step', 'step of ' || steps.work_order_id || ', which the source does not hold'
    from {{ ref('stg_hotline__work_order_steps') }} as steps
    left join {{ ref('stg_hotline__work_orders') }} as orders on orders.work_order_id = steps.work_order_id
    where orders.work_order_id is null

    union all
    -- the complement of record_xref's volunteer branch, which joins the members it can resolve
    select
        'party_building', 'volunteer_records', cast(volunteers.volunteer_record_id as {{ string }}),
        cast(volunteers.member_id as {{ string }}),
        'orphan_member',
        coalesce(
            'volunteer record of member ' || cast(volunteers.member_id as {{ string }})
            || ', whom the source no longer holds',
            'volunteer record that names no member'
        )
    from {{ ref('stg_party_building__volunteer_records') }} as volunteers
    left join {{ ref('fct_party_membership') }} as members
        on members.member_id = cast(volunteers.member_id as {{ string }})
    where members.member_id is null
)

-- noqa: enable=AL03
select
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    source_key,
    cast(reason_code as {{ string }}) as reason_code,
    cast(reason as {{ string }}) as reason,
    cast(parent_key as {{ string }}) as parent_key
from orphans
