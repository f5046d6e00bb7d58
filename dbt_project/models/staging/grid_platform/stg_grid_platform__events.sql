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
        {{ yw_normalize_person_name('dsrxm') }} as involved_party_name,
        dsrzjhm as involved_party_id_number_raw,
        {{ yw_normalize_id_number('dsrzjhm') }} as involved_party_id_number,
        {{ yw_id_number_is_valid('dsrzjhm') }} as involved_party_id_number_is_valid,
        dsrlxdh as involved_party_phone_raw,
        {{ yw_normalize_phone('dsrlxdh', var('yw_default_area_code')) }} as involved_party_phone,
        {{ yw_source_time_to_utc('grid_platform', 'zz_sj', 'fssj') }} as occurred_at,
        {{ yw_source_time_to_utc('grid_platform', 'zz_sj', 'sbsj') }} as reported_at,
        {{ yw_source_time_to_utc('grid_platform', 'zz_sj', 'bjsj') }} as closed_at,
        {{ yw_source_time_to_utc('grid_platform', 'zz_sj', 'gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
