-- 小区: one row per residential compound (or village group) inside a community. The community is
-- the one of the house's grid (网格编码: its first 12 digits are the community's statistical code),
-- not the community name of the address, which most addresses as typed leave out; the names of
-- the community, street and district come from the division tree (dim_division). Houses without
-- a compound name are not counted here.
with houses as (
    select
        compound_name,
        substr(grid_code, 1, 12) as community_code,
        occupant_count
    from {{ ref('dim_house') }}
    where compound_name is not null
),

divisions as (
    select division_code, division_name
    from {{ ref('dim_division') }}
    where is_current
),

compounds as (
    select
        community_code,
        compound_name,
        count(*) as house_count,
        sum(occupant_count) as occupant_count
    from houses
    group by community_code, compound_name
)

select
    md5(coalesce(compounds.community_code, '') || '/' || compounds.compound_name) as compound_key,
    compounds.compound_name,
    compounds.community_code,
    communities.division_name as community_name,
    streets.division_name as street_name,
    districts.division_name as district_name,
    cast(compounds.house_count as integer) as house_count,
    cast(compounds.occupant_count as integer) as occupant_count
from compounds
left join divisions as communities on communities.division_code = compounds.community_code
left join divisions as streets on streets.division_code = substr(compounds.community_code, 1, 9)
left join divisions as districts on districts.division_code = substr(compounds.community_code, 1, 6)
