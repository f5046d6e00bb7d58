-- 房屋提及: every staged record that names a house, in one shape for the entity resolver
-- (yiwang/resolve/houses.py): the grid platform's house register (实有房屋 zz_syfw, role house)
-- with its address as typed and its own structured parts (小区, 楼栋, 单元, 室); a resident's
-- current address with the resident's house reference (房屋编号, role residence); a party member's
-- address (role member_residence) and a household contact's address (党员联系户, role household).
-- The resolver parses and normalises the addresses (yiwang.normalize.address).
{%- set string = dbt.type_string() %}
-- Later union branches take their column names from the first one (aliases there would only repeat them).
-- noqa: disable=AL03
with mentions as (
    select
        'grid_platform' as source_platform, 'zz_syfw' as source_table, cast(house_id as {{ string }}) as source_key,
        'house' as house_role, cast(null as {{ string }}) as house_reference, address_raw as address, compound_name,
        building_raw as building, unit_raw as unit, room_raw as room, grid_code, floor_area_m2,
        case house_use_name
            when '自住' then 'owner_occupied' when '出租' then 'rented' when '闲置' then 'vacant' when '经营' then 'business'
        end as house_use,
        {{ yw_mention_id("'grid_platform'", "'zz_syfw'", 'house_id', "'owner'") }} as owner_mention_id,
        source_updated_at as observed_at, _yw_extracted_at
    from {{ ref('stg_grid_platform__houses') }}

    union all
    select
        'grid_platform', 'zz_syrk', cast(resident_id as {{ string }}), 'residence', cast(house_id as {{ string }}),
        current_address_raw, cast(null as {{ string }}), cast(null as {{ string }}), cast(null as {{ string }}),
        cast(null as {{ string }}), grid_code, cast(null as {{ yw_type_double() }}), cast(null as {{ string }}), cast(null as {{ string }}),
        source_updated_at, _yw_extracted_at
    from {{ ref('stg_grid_platform__residents') }}
    where current_address_raw is not null or house_id is not null

    union all
    select
        'party_building', 'members', cast(member_id as {{ string }}), 'member_residence', cast(null as {{ string }}),
        current_address_raw, cast(null as {{ string }}), cast(null as {{ string }}), cast(null as {{ string }}),
        cast(null as {{ string }}), cast(null as {{ string }}), cast(null as {{ yw_type_double() }}), cast(null as {{ string }}),
        cast(null as {{ string }}), cast(null as timestamp), _yw_extracted_at
    from {{ ref('stg_party_building__members') }}
    where current_address_raw is not null

    union all
    select
        'party_building', 'household_contacts', cast(household_contact_id as {{ string }}), 'household',
        cast(null as {{ string }}), household_address_raw, cast(null as {{ string }}), cast(null as {{ string }}),
        cast(null as {{ string }}), cast(null as {{ string }}), cast(null as {{ string }}), cast(null as {{ yw_type_double() }}),
        cast(null as {{ string }}), cast(null as {{ string }}), source_updated_at, _yw_extracted_at
    from {{ ref('stg_party_building__household_contacts') }}
    where household_address_raw is not null
)

-- noqa: enable=AL03
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
