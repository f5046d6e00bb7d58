-- 小区: one row per residential compound (or village group) inside a community, from the houses'
-- standard addresses; houses without a compound name are not counted here.
select
    md5(coalesce(community_name, '') || '/' || compound_name) as compound_key,
    compound_name,
    max(community_name) as community_name,
    max(street_name) as street_name,
    max(district_name) as district_name,
    cast(count(*) as integer) as house_count,
    cast(sum(occupant_count) as integer) as occupant_count
from {{ ref('dim_house') }}
where compound_name is not null
group by md5(coalesce(community_name, '') || '/' || compound_name), compound_name
