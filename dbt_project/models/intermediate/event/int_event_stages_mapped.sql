-- One row per lifecycle step (环节) of every event, mapped onto the canonical stages by the
-- seed event_stage_map (source_kind = step): the step logs of urban management (案卷流转记录)
-- and the hotline (工单流转记录); the grid platform keeps no log, so its report (上报, sbsj) and
-- closure (办结, bjsj) times are its steps. step_sequence orders an event's steps by time, then
-- by the source's step id. A step name missing from the seed keeps stage null (a test fails).
with steps as (
    select
        'urban_management' as source_platform,
        case_id as source_key,
        cast(case_step_id as varchar) as source_step_id,
        case_step_id as step_order,
        step_name as source_step_name,
        acted_at as stage_at,
        department
    from {{ ref('stg_urban_management__case_steps') }}

    union all

    select
        'hotline' as source_platform,
        work_order_id as source_key,
        cast(work_order_step_id as varchar) as source_step_id,
        work_order_step_id as step_order,
        step_name as source_step_name,
        acted_at as stage_at,
        department
    from {{ ref('stg_hotline__work_order_steps') }}

    union all

    select
        'grid_platform' as source_platform,
        event_id as source_key,
        'sbsj' as source_step_id,
        1 as step_order,
        '上报' as source_step_name,
        reported_at as stage_at,
        cast(null as varchar) as department
    from {{ ref('stg_grid_platform__events') }}
    where reported_at is not null

    union all

    select
        'grid_platform' as source_platform,
        event_id as source_key,
        'bjsj' as source_step_id,
        2 as step_order,
        '办结' as source_step_name,
        closed_at as stage_at,
        cast(null as varchar) as department
    from {{ ref('stg_grid_platform__events') }}
    where closed_at is not null
),

mapped as (
    select
        {{ yw_event_key('steps.source_platform', 'steps.source_key') }} as event_key,
        steps.source_platform,
        steps.source_key,
        steps.source_step_id,
        steps.step_order,
        steps.source_step_name,
        stage_map.stage,
        steps.stage_at,
        steps.department
    from steps
    left join {{ ref('event_stage_map') }} as stage_map
        on
            stage_map.source_platform = steps.source_platform
            and stage_map.source_kind = 'step'
            and stage_map.source_value = steps.source_step_name
)

select
    event_key,
    cast(row_number() over (
        partition by event_key order by stage_at, step_order
    ) as integer) as step_sequence,
    source_platform,
    source_key,
    source_step_id,
    source_step_name,
    stage,
    stage_at,
    department
from mapped
