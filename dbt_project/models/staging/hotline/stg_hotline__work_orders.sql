-- 工单 (hotline.t_gd_workorder): 12345 work orders, one row per live order; orders flagged
-- deleted (sfsc = 1) are gone.
with latest as (
    {{ yw_latest_state('hotline', 't_gd_workorder') }}
),

renamed as (
    select
        gdbh as work_order_id,
        ldrxm as caller_name_raw,
        ldhm as caller_phone_raw,
        zjhm as caller_id_number_raw,
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
        {{ yw_local_to_utc('slsj') }} as accepted_at,
        {{ yw_local_to_utc('blsx') }} as due_at,
        {{ yw_local_to_utc('bjsj') }} as closed_at,
        {{ yw_local_to_utc('hfsj') }} as callback_at,
        {{ yw_local_to_utc('gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
