-- One row per reported case (事件) of the three event platforms, on common columns: urban
-- management cases (案卷), 12345 work orders (工单) and grid events (网格事件). Only renaming and
-- the platform's own values: categories, stages and places are mapped in the next models.
with urban_management as (
    select
        'urban_management' as source_platform,
        case_id as source_key,
        cast(case_type_code as varchar)
        || '-' || main_class_code || '-' || sub_class_code as source_category,
        cast(null as varchar) as title,
        cast(null as varchar) as request_type,
        case_source_name as channel,
        description,
        address_raw as address,
        longitude,
        latitude,
        cast(null as varchar) as source_grid_code,
        substring(unit_grid_code, 1, 12) as source_community_code,
        reported_at,
        accepted_at,
        dispatched_at,
        handled_at,
        verified_at,
        closed_at,
        cast(null as timestamp) as evaluated_at,
        cast(null as timestamp) as source_due_at,
        is_overdue as source_is_overdue,
        cast(status_code as varchar) as source_status_code,
        status_name as source_status,
        handling_department as department,
        cast(null as varchar) as escalation_level_code,
        cast(null as varchar) as satisfaction_raw,
        'um_case' as source_table,
        'reporter' as reporter_role,
        reporter_name is not null or reporter_phone is not null as has_reporter,
        source_updated_at
    from {{ ref('stg_urban_management__cases') }}
),

hotline as (
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
),

grid_platform as (
    select
        'grid_platform' as source_platform,
        event_id as source_key,
        category_code as source_category,
        title,
        cast(null as varchar) as request_type,
        '网格员上报' as channel,  -- grid events are reported by the grid worker (上报人 sbr)
        description,
        place_raw as address,
        longitude,
        latitude,
        grid_code as source_grid_code,
        substring(grid_code, 1, 12) as source_community_code,
        reported_at,
        cast(null as timestamp) as accepted_at,
        cast(null as timestamp) as dispatched_at,
        cast(null as timestamp) as handled_at,
        cast(null as timestamp) as verified_at,
        closed_at,
        cast(null as timestamp) as evaluated_at,
        cast(null as timestamp) as source_due_at,
        cast(null as boolean) as source_is_overdue,
        cast(status_code as varchar) as source_status_code,
        status_name as source_status,
        cast(null as varchar) as department,
        cast(escalation_level_code as varchar) as escalation_level_code,
        cast(null as varchar) as satisfaction_raw,
        'zz_sj' as source_table,
        'party' as reporter_role,
        involved_party_name is not null or involved_party_id_number is not null as has_reporter,
        source_updated_at
    from {{ ref('stg_grid_platform__events') }}
),

unioned as (
    select * from urban_management
    union all
    select * from hotline
    union all
    select * from grid_platform
)

select
    {{ yw_event_key('source_platform', 'source_key') }} as event_key,
    *
from unioned
