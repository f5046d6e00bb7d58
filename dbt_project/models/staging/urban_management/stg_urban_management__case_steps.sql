-- 案卷流转记录 (urban_management.um_case_flow): append-only log of case steps (环节), one row per step.
with latest as (
    {{ yw_latest_state('urban_management', 'um_case_flow') }}
),

renamed as (
    select
        flow_id as case_step_id,
        task_num as case_id,
        act_name as step_name,
        act_dept as department,
        act_user as acted_by,
        opinion as note,
        {{ yw_source_time_to_utc('urban_management', 'um_case_flow', 'act_time') }} as acted_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
