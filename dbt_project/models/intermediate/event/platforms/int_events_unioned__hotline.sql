-- 12345 work orders (工单) on the common event columns (yw_event_shape).
select
    'hotline' as source_platform,
    work_order_id as source_key,
    subject_category_path as source_category,
    cast(null as varchar) as title,
    request_type_name as request_type,
    channel,
    request_content as description,
    address_raw as address,
    cast(null as double precision) as longitude,
    cast(null as double precision) as latitude,
    cast(null as varchar) as source_grid_code,
    cast(null as varchar) as source_community_code,
    accepted_at as reported_at,  -- a call is heard and accepted at once (受理时间)
    accepted_at,
    cast(null as timestamp) as dispatched_at,  -- from the step log
    cast(null as timestamp) as handled_at,
    cast(null as timestamp) as verified_at,
    closed_at,
    callback_at as evaluated_at,
    due_at as source_due_at,
    cast(null as boolean) as source_is_overdue,
    status_code as source_status_code,
    status_name as source_status,
    assigned_department as department,
    cast(null as varchar) as escalation_level_code,
    satisfaction as satisfaction_raw,
    't_gd_workorder' as source_table,
    'caller' as reporter_role,
    caller_name is not null or caller_phone is not null or caller_id_number is not null as has_reporter,
    source_updated_at
from {{ ref('stg_hotline__work_orders') }}
