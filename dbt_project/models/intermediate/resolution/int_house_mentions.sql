-- 房屋提及: every house record in one shape for the entity resolver: the grid platform's house
-- register (实有房屋 zz_syfw) with its address as typed and its own structured parts (小区, 楼栋,
-- 单元, 室), which the resolver parses and normalises (yiwang.normalize.address).
{%- set string = dbt.type_string() %}
select
    {{ yw_mention_id("'grid_platform'", "'zz_syfw'", 'house_id', "'house'") }} as mention_id,
    cast('grid_platform' as {{ string }}) as source_platform,
    cast('zz_syfw' as {{ string }}) as source_table,
    cast(house_id as {{ string }}) as source_key,
    cast('house' as {{ string }}) as house_role,
    address_raw as address,
    compound_name,
    building_raw as building,
    unit_raw as unit,
    room_raw as room,
    grid_code,
    floor_area_m2,
    case house_use_name
        when '自住' then 'owner_occupied' when '出租' then 'rented' when '闲置' then 'vacant' when '经营' then 'business'
    end as house_use,
    {{ yw_mention_id("'grid_platform'", "'zz_syfw'", 'house_id', "'owner'") }} as owner_mention_id,
    coalesce(source_updated_at, {{ yw_instant_to_utc('_yw_extracted_at') }}) as observed_at
from {{ ref('stg_grid_platform__houses') }}
