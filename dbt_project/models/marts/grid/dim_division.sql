-- 行政区划 (dim_division): the division tree with GB/T 2260 and statistical codes, versioned.
-- The seed division_codes holds the city, districts and counties (abolished ones kept with
-- valid_to_date and successor_code) and streets and towns; the grid platform's tree (综治网格
-- 网格树, levels 1-4) adds what the seed lacks, above all the communities and villages (社区/村),
-- which the grid platform keeps. A node the tree adds inherits its parent's valid_from_date.
with seeded as (
    select * from {{ ref('division_codes') }}
),

tree as (
    select
        grid_code as division_code,
        coalesce(division_code, rpad(grid_code, 12, '0')) as statistical_code,
        grid_name as division_name,
        case grid_level_code
            when 1 then 'city'
            when 2 then 'district'
            when 3 then 'street'
            when 4 then 'community'
        end as division_level,
        parent_grid_code as parent_code,
        case
            when grid_level_code = 3 then grid_name like '%镇' or grid_name like '%乡'
            when grid_level_code = 4 then grid_name like '%村'
        end as is_village
    from {{ ref('stg_grid_platform__grid_nodes') }}
    where grid_level_code between 1 and 4
),

from_tree as (
    select
        tree.division_code,
        tree.statistical_code,
        tree.division_name,
        tree.division_level,
        tree.parent_code,
        tree.is_village,
        coalesce(parent.valid_from_date, cast('1980-01-01' as date)) as valid_from_date,
        cast(null as date) as valid_to_date,
        cast(null as text) as successor_code
    from tree
    left join seeded as parent
        on parent.division_code = tree.parent_code and parent.valid_to_date is null
    where tree.division_code not in (select seeded.division_code from seeded)
),

divisions as (
    select
        division_code,
        statistical_code,
        division_name,
        division_level,
        parent_code,
        is_village,
        valid_from_date,
        valid_to_date,
        successor_code
    from seeded
    union all
    select * from from_tree
)

select
    cast(division_code as text) as division_code,
    cast(statistical_code as text) as statistical_code,
    cast(division_name as text) as division_name,
    cast(division_level as text) as division_level,
    cast(parent_code as text) as parent_code,
    cast(is_village as boolean) as is_village,
    cast(valid_from_date as date) as valid_from_date,
    cast(valid_to_date as date) as valid_to_date,
    cast(successor_code as text) as successor_code,
    valid_to_date is null as is_current
from divisions
