-- 房屋（一房一档）: one row per real house, the resolver's golden record (resolution.house_golden)
-- with its owner resolved to a person and its current occupants counted from fct_residence.
with golden as (
    select * from {{ source('resolution', 'house_golden') }}
),

occupants as (
    select house_key, count(distinct person_key) as occupant_count
    from {{ ref('fct_residence') }}
    where is_current
    group by house_key
)

select
    golden.house_key,
    golden.standard_address,
    golden.district_name,
    golden.street_name,
    golden.community_name,
    golden.compound_name,
    golden.building,
    golden.unit,
    golden.room,
    golden.grid_code,
    cast(golden.floor_area_m2 as {{ yw_type_double() }}) as floor_area_m2,
    golden.house_use,
    owners.person_key as owner_person_key,
    cast(coalesce(occupants.occupant_count, 0) as integer) as occupant_count
from golden
left join {{ source('resolution', 'person_clusters') }} as owners on owners.mention_id = golden.owner_mention_id
left join occupants on occupants.house_key = golden.house_key
