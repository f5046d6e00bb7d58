-- Urban management's case steps (案卷流转记录).
select
    'urban_management' as source_platform,
    case_id as source_key,
    cast(case_step_id as varchar) as source_step_id,
    case_step_id as step_order,
    step_name as source_step_name,
    acted_at as stage_at,
    department
from {{ ref('stg_urban_management__case_steps') }}
