-- 人员提及: every person named in every staged record, one row per source record and role, in
-- one shape for the entity resolver (yiwang/resolve). Birth dates come from a valid ID number,
-- else from the record's own birth-date field; observed_at is the source's update time, else
-- the landing time. person_name_as_given keeps the name as typed: a masked name (张先生) is null in
-- person_name but still gives the resolver a surname and a sex.
{%- set string = dbt.type_string() %}
-- Later union branches take their column names from the first one (aliases there would only repeat them).
-- noqa: disable=AL03
with mentions as (
    select
        'grid_platform' as source_platform, 'zz_syrk' as source_table, cast(resident_id as {{ string }}) as source_key,
        'resident' as person_role, person_name, id_number, id_number_is_valid, sex,
        {{ yw_parse_loose_date('birth_date_raw') }} as stated_birth_date, ethnicity, phone,
        current_address_raw as address, grid_code, source_updated_at as observed_at, _yw_extracted_at,
        person_name_raw as person_name_as_given
    from {{ ref('stg_grid_platform__residents') }}

    union all
    select
        'grid_platform', 'zz_syfw', cast(house_id as {{ string }}), 'owner', owner_name, owner_id_number, owner_id_number_is_valid,
        cast(null as {{ string }}), cast(null as date), cast(null as {{ string }}), owner_phone,
        address_raw, grid_code, source_updated_at, _yw_extracted_at, owner_name_raw
    from {{ ref('stg_grid_platform__houses') }}
    where owner_name is not null or owner_id_number is not null

    union all
    select
        'grid_platform', 'zz_sj', cast(event_id as {{ string }}), 'party', involved_party_name, involved_party_id_number,
        involved_party_id_number_is_valid, cast(null as {{ string }}), cast(null as date), cast(null as {{ string }}),
        involved_party_phone, place_raw, grid_code, source_updated_at, _yw_extracted_at, involved_party_name_raw
    from {{ ref('stg_grid_platform__events') }}
    where involved_party_name is not null or involved_party_id_number is not null

    union all
    select
        'grid_platform', 'zz_dw', cast(organisation_id as {{ string }}), 'legal_representative', legal_representative_name,
        cast(null as {{ string }}), false, cast(null as {{ string }}), cast(null as date), cast(null as {{ string }}),
        phone, address_raw, grid_code, source_updated_at, _yw_extracted_at, legal_representative_name_raw
    from {{ ref('stg_grid_platform__organisations') }}
    where legal_representative_name is not null

    union all
    select
        'grid_platform', 'zz_grid', cast(grid_code as {{ string }}), 'grid_worker', grid_worker_name, cast(null as {{ string }}), false,
        cast(null as {{ string }}), cast(null as date), cast(null as {{ string }}), grid_worker_phone,
        cast(null as {{ string }}), grid_code, source_updated_at, _yw_extracted_at, grid_worker_name_raw
    from {{ ref('stg_grid_platform__grid_nodes') }}
    where grid_worker_name is not null

    union all
    select
        'hotline', 't_gd_workorder', cast(work_order_id as {{ string }}), 'caller', caller_name, caller_id_number, caller_id_number_is_valid,
        cast(null as {{ string }}), cast(null as date), cast(null as {{ string }}), caller_phone, address_raw,
        cast(null as {{ string }}), source_updated_at, _yw_extracted_at, caller_name_raw
    from {{ ref('stg_hotline__work_orders') }}
    where caller_name is not null or caller_id_number is not null or caller_phone is not null

    union all
    select
        'urban_management', 'um_case', cast(case_id as {{ string }}), 'reporter', reporter_name, cast(null as {{ string }}), false,
        cast(null as {{ string }}), cast(null as date), cast(null as {{ string }}), reporter_phone, address_raw,
        unit_grid_code, source_updated_at, _yw_extracted_at, reporter_name_raw
    from {{ ref('stg_urban_management__cases') }}
    where reporter_name is not null

    union all
    select
        'party_building', 'members', cast(member_id as {{ string }}), 'member', person_name, id_number, id_number_is_valid, sex,
        {{ yw_parse_loose_date('birth_date_raw') }}, ethnicity, phone, current_address_raw,
        cast(null as {{ string }}), cast(null as timestamp), _yw_extracted_at, person_name_raw
    from {{ ref('stg_party_building__members') }}

    union all
    select
        'party_building', 'household_contacts', cast(household_contact_id as {{ string }}), 'household_head', household_head_name,
        household_head_id_number, household_head_id_number_is_valid, cast(null as {{ string }}), cast(null as date),
        cast(null as {{ string }}), household_phone, household_address_raw, cast(null as {{ string }}),
        source_updated_at, _yw_extracted_at, household_head_name_raw
    from {{ ref('stg_party_building__household_contacts') }}
    where household_head_name is not null or household_head_id_number is not null
)

-- noqa: enable=AL03
select
    {{ yw_mention_id('source_platform', 'source_table', 'source_key', 'person_role') }} as mention_id,
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    cast(source_key as {{ string }}) as source_key,
    cast(person_role as {{ string }}) as person_role,
    person_name,
    case when coalesce(id_number_is_valid, false) then id_number end as id_number,
    id_number as id_number_as_given,
    coalesce(id_number_is_valid, false) as id_number_is_valid,
    sex,
    {{ yw_id_number_sex('id_number') }} as id_number_sex,
    coalesce({{ yw_id_number_birth_date('id_number') }}, stated_birth_date) as birth_date,
    stated_birth_date,
    ethnicity,
    phone,
    address,
    grid_code,
    coalesce(observed_at, {{ yw_instant_to_utc('_yw_extracted_at') }}) as observed_at,
    cast(person_name_as_given as {{ string }}) as person_name_as_given
from mentions
