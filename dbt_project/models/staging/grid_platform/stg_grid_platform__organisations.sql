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
        dwlx as organisation_kind_code,
        {{ yw_decode_source_code('grid_platform', 'zz_dw', 'dwlx') }} as organisation_kind_name,
        fddbr as legal_representative_name_raw,
        dwdz as address_raw,
        lxdh as phone_raw,
        {{ yw_local_to_utc('gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
