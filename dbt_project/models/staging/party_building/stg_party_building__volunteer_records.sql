-- 志愿服务记录 (party_building.volunteer_records): volunteer service by members, from the web
-- API, one row per record.
with latest as (
    {{ yw_latest_state('party_building', 'volunteer_records') }}
),

renamed as (
    select
        id as volunteer_record_id,
        "memberNo" as member_id,
        "gridCode" as grid_code,
        "activityName" as activity_name,
        "serviceDate" as service_date,
        hours as service_hours,
        location as service_location,
        {{ yw_source_time_to_utc('party_building', 'volunteer_records', 'updatedAt') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
