-- 单位 (grid_platform.zz_dw): organisations in the grid, one row per live organisation record.
with latest as (
    {{ yw_latest_state('grid_platform', 'zz_dw') }}
),

renamed as (
    select
        dwbh as organisation_id,
        wgbm as grid_code,
        dwmc as organisation_name,
        tyshxydm as credit_code_raw,
        {{ yw_normalize_credit_code('tyshxydm') }} as credit_code,
        {{ yw_credit_code_is_valid('tyshxydm') }} as credit_code_is_valid,
        dwlx as organisation_kind_code,
        {{ yw_decode_source_code('grid_platform', 'zz_dw', 'dwlx') }} as organisation_kind_name,
        fddbr as legal_representative_name_raw,
        {{ yw_normalize_person_name('fddbr') }} as legal_representative_name,
        dwdz as address_raw,
        lxdh as phone_raw,
        {{ yw_normalize_phone('lxdh', var('yw_default_area_code')) }} as phone,
        {{ yw_source_time_to_utc('grid_platform', 'zz_dw', 'gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
