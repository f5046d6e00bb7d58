-- 网格事件 (grid_platform.zz_sj): grid events reported by grid workers, one row per event.
with latest as (
    {{ yw_latest_state('grid_platform', 'zz_sj') }}
),

renamed as (
    select
        sjbh as event_id,
        wgbm as grid_code,
        sjbt as title,
        sjms as description,
        sjlb as category_code,
        {{ yw_decode_source_code('grid_platform', 'zz_sj', 'sjlb') }} as category_name,
        fsdd as place_raw,
        jd as longitude,
        wd as latitude,
        sbr as reported_by_name,
        sjjb as escalation_level_code,
        {{ yw_decode_source_code('grid_platform', 'zz_sj', 'sjjb') }} as escalation_level_name,
        clzt as status_code,
        {{ yw_decode_source_code('grid_platform', 'zz_sj', 'clzt') }} as status_name,
        dsrxm as involved_party_name_raw,
        dsrzjhm as involved_party_id_number_raw,
        dsrlxdh as involved_party_phone_raw,
        {{ yw_local_to_utc('fssj') }} as occurred_at,
        {{ yw_local_to_utc('sbsj') }} as reported_at,
        {{ yw_local_to_utc('bjsj') }} as closed_at,
        {{ yw_local_to_utc('gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
