-- The grid platform keeps no step log: its report (上报, sbsj) and closure (办结, bjsj) times are its steps.
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
