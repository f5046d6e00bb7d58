-- 网格 (grid_platform.zz_grid): the grid tree, city down to grid, one row per live node.
with latest as (
    {{ yw_latest_state('grid_platform', 'zz_grid') }}
),

renamed as (
    select
        wgbm as grid_code,
        sjwgbm as parent_grid_code,
        wgmc as grid_name,
        wgcj as grid_level_code,
        {{ yw_decode_source_code('grid_platform', 'zz_grid', 'wgcj') }} as grid_level_name,
        xzqhdm as division_code,
        wglx as grid_kind_code,
        {{ yw_decode_source_code('grid_platform', 'zz_grid', 'wglx') }} as grid_kind_name,
        wgy as grid_worker_name_raw,
        {{ yw_normalize_person_name('wgy') }} as grid_worker_name,
        wgydh as grid_worker_phone_raw,
        {{ yw_normalize_phone('wgydh', var('yw_default_area_code')) }} as grid_worker_phone,
        fw as boundary_wkt,
        {{ yw_source_time_to_utc('grid_platform', 'zz_grid', 'gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
