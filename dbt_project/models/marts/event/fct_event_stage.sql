-- 事件环节 (fct_event_stage): one row per lifecycle step of an event in fct_event (discover,
-- accept, dispatch, return, handle, verify, close, evaluate, cancel), numbered in time order;
-- source_step_name keeps the platform's own name (立案, 派单, 退单, 归档, ...). Steps of cases
-- deleted at the source (gone from fct_event) are left out.
select
    cast(steps.event_key as text) as event_key,
    cast(steps.step_sequence as integer) as step_sequence,
    cast(steps.stage as text) as stage,
    cast(steps.source_step_name as text) as source_step_name,
    cast(steps.stage_at as timestamp) as stage_at,
    cast(steps.department as text) as department
from {{ ref('int_event_stages_mapped') }} as steps
where steps.event_key in (select events.event_key from {{ ref('fct_event') }} as events)
