-- 户: one row per household number (户号) of the grid platform's population register, with its
-- head (与户主关系 = 户主, code 02), its members as resolved persons and the house most of them live in.
with members as (
    select
        residents.household_number,
        residents.relation_to_head_code,
        residents.grid_code,
        persons.person_key,
        homes.house_key
    from {{ ref('stg_grid_platform__residents') }} as residents
    inner join {{ source('resolution', 'person_clusters') }} as persons
        on persons.mention_id = {{ yw_mention_id("'grid_platform'", "'zz_syrk'", 'residents.resident_id', "'resident'") }}
    left join {{ source('resolution', 'house_clusters') }} as homes
        on homes.mention_id = {{ yw_mention_id("'grid_platform'", "'zz_syfw'", 'residents.house_id', "'house'") }}
    where residents.household_number is not null
),

houses as (
    select household_number, house_key
    from (
        select
            household_number,
            house_key,
            row_number() over (partition by household_number order by count(*) desc, house_key) as preference
        from members
        where house_key is not null
        group by household_number, house_key
    ) as ranked
    where preference = 1
),

grids as (
    select household_number, grid_code
    from (
        select
            household_number,
            grid_code,
            row_number() over (partition by household_number order by count(*) desc, grid_code) as preference
        from members
        where grid_code is not null
        group by household_number, grid_code
    ) as ranked
    where preference = 1
)

select
    md5('grid_platform/' || members.household_number) as household_key,
    members.household_number,
    min(case when members.relation_to_head_code = '02' then members.person_key end) as head_person_key,
    max(houses.house_key) as house_key,
    max(grids.grid_code) as grid_code,
    cast(count(distinct members.person_key) as integer) as member_count
from members
left join houses on houses.household_number = members.household_number
left join grids on grids.household_number = members.household_number
group by members.household_number
