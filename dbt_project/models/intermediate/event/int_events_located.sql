-- Every event placed in a grid (网格定位), in this order:
--   1. point_in_polygon: the event's coordinates lie in the grid's boundary (网格范围, the grid
--      platform's WKT polygons); a point on an edge shared by two grids goes to the lower code;
--   2. source_grid: the grid the platform itself recorded (grid events' 网格编码);
--   3. address_compound: the address names a residential compound (小区) the grid platform's
--      houses (实有房屋) know; the compound's grid is the one most of its houses are in; the
--      longest compound name found in the address wins;
--   4. address_road: the address's door number (门牌, road + number + 号, e.g. 禾稽路112号)
--      appears in the address of events placed by their coordinates or of the grid platform's
--      houses; the grid most of them are in;
--   5. none: grid_code null.
-- Point-in-polygon runs on DuckDB's spatial extension or PostgreSQL's geometric types
-- (macros/event/yw_point_in_polygon.sql).
{#- a door number: the two characters before the road suffix, the number, 号 (the same token on
    every side, whatever division names precede it) -#}
{%- set door_number = "'([一-龥]{2}(路|街|弄|巷|大道)[0-9]+号)'" %}
{#- the side of the square cells that pre-select grids for point-in-polygon (var, degrees) -#}
{%- set cell_degrees = var('yw_grid_cell_degrees', 0.01) %}
with events as (
    select * from {{ ref('int_events_categorised') }}
),

grids as materialized (
    select
        grid_code,
        {{ yw_polygon_from_wkt('boundary_wkt') }} as boundary
    from {{ ref('stg_grid_platform__grid_nodes') }}
    where grid_level_code = 5 and boundary_wkt is not null
),

-- every square cell (cell_degrees wide) a grid's bounding box touches: events are compared only
-- with the few grids of their own cell (an equi-join), not with every grid of the city
grid_cells as materialized (
    select
        grids.grid_code,
        grids.boundary,
        cell_x.cell_x,
        cell_y.cell_y
    from grids
    cross join
        lateral generate_series(
            cast(floor({{ yw_polygon_bound('grids.boundary', 'xmin') }} / {{ cell_degrees }}) as integer),
            cast(floor({{ yw_polygon_bound('grids.boundary', 'xmax') }} / {{ cell_degrees }}) as integer)
        ) as cell_x (cell_x)
    cross join
        lateral generate_series(
            cast(floor({{ yw_polygon_bound('grids.boundary', 'ymin') }} / {{ cell_degrees }}) as integer),
            cast(floor({{ yw_polygon_bound('grids.boundary', 'ymax') }} / {{ cell_degrees }}) as integer)
        ) as cell_y (cell_y)
),

points as (
    select
        event_key,
        {{ yw_point('longitude', 'latitude') }} as location,
        cast(floor(longitude / {{ cell_degrees }}) as integer) as cell_x,
        cast(floor(latitude / {{ cell_degrees }}) as integer) as cell_y
    from events
    where longitude is not null and latitude is not null
),

in_polygon as (
    select
        points.event_key,
        min(grid_cells.grid_code) as grid_code
    from points
    inner join grid_cells
        on
            grid_cells.cell_x = points.cell_x
            and grid_cells.cell_y = points.cell_y
            and {{ yw_polygon_covers('grid_cells.boundary', 'points.location') }}
    group by points.event_key
),

grid_codes as (
    select grid_code
    from {{ ref('stg_grid_platform__grid_nodes') }}
    where grid_level_code = 5
),

compound_houses as (
    select
        compound_name,
        grid_code,
        count(*) as houses
    from {{ ref('stg_grid_platform__houses') }}
    where compound_name is not null and length(compound_name) >= 2 and grid_code is not null
    group by compound_name, grid_code
),

compounds as (
    select
        compound_name,
        grid_code
    from (
        select
            compound_name,
            grid_code,
            row_number() over (partition by compound_name order by houses desc, grid_code) as preference
        from compound_houses
    ) as ranked
    where preference = 1
),

by_address as (
    select
        event_key,
        grid_code
    from (
        select
            events.event_key,
            compounds.grid_code,
            row_number() over (
                partition by events.event_key
                order by length(compounds.compound_name) desc, compounds.grid_code
            ) as preference
        from events
        inner join compounds
            on strpos(events.address, compounds.compound_name) > 0
        where
            events.address is not null
            and events.event_key not in (select in_polygon.event_key from in_polygon)
    ) as ranked
    where preference = 1
),

event_doors as (
    select
        event_key,
        {{ yw_regexp_extract('address', door_number) }} as door_number
    from events
    where address is not null
),

known_doors as (
    select
        door_number,
        grid_code,
        count(*) as sightings
    from (
        select
            event_doors.door_number,
            in_polygon.grid_code
        from event_doors
        inner join in_polygon on in_polygon.event_key = event_doors.event_key
        union all
        select
            {{ yw_regexp_extract('address_raw', door_number) }} as door_number,
            grid_code
        from {{ ref('stg_grid_platform__houses') }}
        where grid_code is not null
    ) as sighted
    where door_number is not null
    group by door_number, grid_code
),

doors as (
    select
        door_number,
        grid_code
    from (
        select
            door_number,
            grid_code,
            row_number() over (partition by door_number order by sightings desc, grid_code) as preference
        from known_doors
    ) as ranked
    where preference = 1
),

by_door as (
    select
        event_doors.event_key,
        doors.grid_code
    from event_doors
    inner join doors on doors.door_number = event_doors.door_number
)

select
    events.*,
    coalesce(in_polygon.grid_code, source_grid.grid_code, by_address.grid_code, by_door.grid_code) as grid_code,
    case
        when in_polygon.grid_code is not null then 'point_in_polygon'
        when source_grid.grid_code is not null then 'source_grid'
        when by_address.grid_code is not null then 'address_compound'
        when by_door.grid_code is not null then 'address_road'
        else 'none'
    end as location_method
from events
left join in_polygon on in_polygon.event_key = events.event_key
left join grid_codes as source_grid on source_grid.grid_code = events.source_grid_code
left join by_address on by_address.event_key = events.event_key
left join by_door on by_door.event_key = events.event_key
