-- 案卷 (urban_management.um_case): digital urban-management cases, one row per live case;
-- cases flagged deleted (is_deleted = 1) are gone. The vendor keeps times as local-time text.
with latest as (
    {{ yw_latest_state('urban_management', 'um_case') }}
),

renamed as (
    select
        task_num as case_id,
        event_src_id as case_source_code,
        {{ yw_decode_source_code('urban_management', 'um_case', 'event_src_id') }} as case_source_name,
        rec_type_id as case_type_code,
        {{ yw_decode_source_code('urban_management', 'um_case', 'rec_type_id') }} as case_type_name,
        main_type_code as main_class_code,
        sub_type_code as sub_class_code,
        event_desc as description,
        address as address_raw,
        coord_x as longitude,
        coord_y as latitude,
        cell_code as unit_grid_code,
        district_code,
        street_name,
        reporter_name as reporter_name_raw,
        {{ yw_normalize_person_name('reporter_name') }} as reporter_name,
        reporter_tel as reporter_phone_raw,
        {{ yw_normalize_phone('reporter_tel', var('yw_default_area_code')) }} as reporter_phone,
        deal_dept as handling_department,
        status_id as status_code,
        {{ yw_decode_source_code('urban_management', 'um_case', 'status_id') }} as status_name,
        {{ yw_flag_to_boolean('is_overtime') }} as is_overdue,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'report_time') }} as reported_at,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'create_time') }} as accepted_at,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'dispatch_time') }} as dispatched_at,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'handle_time') }} as handled_at,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'check_time') }} as verified_at,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'close_time') }} as closed_at,
        {{ yw_source_time_to_utc('urban_management', 'um_case', 'update_time') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
