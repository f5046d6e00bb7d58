-- 工单流转记录 (hotline.t_gd_lzjl): append-only log of work-order steps, one row per step.
with latest as (
    {{ yw_latest_state('hotline', 't_gd_lzjl') }}
),

renamed as (
    select
        lzid as work_order_step_id,
        gdbh as work_order_id,
        czlx as step_name,
        czdw as department,
        czyj as note,
        {{ yw_source_time_to_utc('hotline', 't_gd_lzjl', 'czsj') }} as acted_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
