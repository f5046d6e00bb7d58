-- 实有房屋 (grid_platform.zz_syfw): actual houses, one row per live house record.
with latest as (
    {{ yw_latest_state('grid_platform', 'zz_syfw') }}
),

renamed as (
    select
        fwbh as house_id,
        wgbm as grid_code,
        fwdz as address_raw,
        xqmc as compound_name,
        lh as building_raw,
        dyh as unit_raw,
        sh as room_raw,
        jzmj as floor_area_m2,
        fwyt as house_use_code,
        {{ yw_decode_source_code('grid_platform', 'zz_syfw', 'fwyt') }} as house_use_name,
        fzxm as owner_name_raw,
        {{ yw_normalize_person_name('fzxm') }} as owner_name,
        fzzjhm as owner_id_number_raw,
        {{ yw_normalize_id_number('fzzjhm') }} as owner_id_number,
        {{ yw_id_number_is_valid('fzzjhm') }} as owner_id_number_is_valid,
        fzlxdh as owner_phone_raw,
        {{ yw_normalize_phone('fzlxdh', var('yw_default_area_code')) }} as owner_phone,
        {{ yw_source_time_to_utc('grid_platform', 'zz_syfw', 'gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
