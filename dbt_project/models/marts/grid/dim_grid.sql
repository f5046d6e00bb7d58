-- 网格 (dim_grid): one row per grid, the smallest unit of governance, from the grid platform's
-- tree (level 5), with its community, street and district and its boundary polygon (WKT, WGS84).
with nodes as (
    select * from {{ ref('stg_grid_platform__grid_nodes') }}
),

grids as (
    select * from nodes where grid_level_code = 5
),

communities as (
    select * from nodes where grid_level_code = 4
),

streets as (
    select * from nodes where grid_level_code = 3
)

select
    cast(grids.grid_code as text) as grid_code,
    cast(grids.grid_name as text) as grid_name,
    cast(case grids.grid_kind_code when 1 then 'residential' when 2 then 'special' end as text)
        as grid_kind,
    cast(grids.parent_grid_code as text) as community_code,
    cast(coalesce(communities.parent_grid_code, substring(grids.parent_grid_code, 1, 9)) as text)
        as street_code,
    cast(
        coalesce(streets.parent_grid_code, substring(grids.parent_grid_code, 1, 6)) as text
    ) as district_code,
    cast(grids.grid_worker_name as text) as grid_worker_name,
    cast(grids.grid_worker_phone as text) as grid_worker_phone,
    cast(grids.boundary_wkt as text) as boundary_wkt
from grids
left join communities on communities.grid_code = grids.parent_grid_code
left join streets on streets.grid_code = communities.parent_grid_code
