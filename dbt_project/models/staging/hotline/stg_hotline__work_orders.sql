-- 工单 (hotline.t_gd_workorder): 12345 work orders, one row per live order; orders flagged
-- deleted (sfsc = 1) are gone.
with latest as (
    {{ yw_latest_state('hotline', 't_gd_workorder') }}
),

renamed as (
    select
        gdbh as work_order_id,
        ldrxm as caller_name_raw,
        {{ yw_normalize_person_name('ldrxm') }} as caller_name,
        ldhm as caller_phone_raw,
        {{ yw_normalize_phone('ldhm', var('yw_default_area_code')) }} as caller_phone,
        zjhm as caller_id_number_raw,
        {{ yw_normalize_id_number('zjhm') }} as caller_id_number,
        {{ yw_id_number_is_valid('zjhm') }} as caller_id_number_is_valid,
        qd as channel,
        sqlx as request_type_code,
        {{ yw_decode_source_code('hotline', 't_gd_workorder', 'sqlx') }} as request_type_name,
        wtfl as subject_category_path,
        sqnr as request_content,
        sjdz as address_raw,
        cbdw as assigned_department,
        gdzt as status_code,
        {{ yw_decode_source_code('hotline', 't_gd_workorder', 'gdzt') }} as status_name,
        dfnr as reply,
        hfmyd as satisfaction,
        {{ yw_source_time_to_utc('hotline', 't_gd_workorder', 'slsj') }} as accepted_at,
        {{ yw_source_time_to_utc('hotline', 't_gd_workorder', 'blsx') }} as due_at,
        {{ yw_source_time_to_utc('hotline', 't_gd_workorder', 'bjsj') }} as closed_at,
        {{ yw_source_time_to_utc('hotline', 't_gd_workorder', 'hfsj') }} as callback_at,
        {{ yw_source_time_to_utc('hotline', 't_gd_workorder', 'gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
