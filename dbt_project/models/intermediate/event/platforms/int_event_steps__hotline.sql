-- The hotline's work-order steps (工单流转记录).
select
    'hotline' as source_platform,
    work_order_id as source_key,
    cast(work_order_step_id as varchar) as source_step_id,
    work_order_step_id as step_order,
    step_name as source_step_name,
    acted_at as stage_at,
    department
from {{ ref('stg_hotline__work_order_steps') }}
