-- 房屋提及: every staged record that names a house, in one shape for the entity resolver
-- (yiwang/resolve/houses.py): the grid platform's house register (实有房屋 zz_syfw, role house)
-- with its address as typed and its own structured parts (小区, 楼栋, 单元, 室); a resident's
-- current address with the resident's house reference (房屋编号, role residence); a party member's
-- address (role member_residence) and a household contact's address (党员联系户, role household).
-- The resolver parses and normalises the addresses (yiwang.normalize.address).
-- One model per platform (platforms/int_house_mentions__<platform>), unioned by column name.
{%- set string = dbt.type_string() %}
with mentions as (
    {{ yw_union_mentions('house') }}
)

select
    {{ yw_mention_id('source_platform', 'source_table', 'source_key', 'house_role') }} as mention_id,
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    cast(source_key as {{ string }}) as source_key,
    cast(house_role as {{ string }}) as house_role,
    house_reference,
    address,
    compound_name,
    building,
    unit,
    room,
    grid_code,
    floor_area_m2,
    house_use,
    owner_mention_id,
    coalesce(observed_at, {{ yw_instant_to_utc('_yw_extracted_at') }}) as observed_at
from mentions
