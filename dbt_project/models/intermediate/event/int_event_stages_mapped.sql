-- One row per lifecycle step (环节) of every event, mapped onto the canonical stages by the
-- seed event_stage_map (source_kind = step): the step logs of urban management (案卷流转记录)
-- and the hotline (工单流转记录); the grid platform keeps no log, so its report (上报, sbsj) and
-- closure (办结, bjsj) times are its steps. step_sequence orders an event's steps by time, then
-- by the source's step id. A step name missing from the seed keeps stage null (a test fails).
-- One model per platform (platforms/int_event_steps__<platform>), unioned by column name.
with steps as (
    {{ yw_union_platforms('int_event_steps', yw_event_shape('steps') | map(attribute=0) | list) }}
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
