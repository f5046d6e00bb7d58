-- 党员联系户 (party_building.household_contacts): households each member keeps in contact with,
-- from the web API; contacts flagged deleted (isDeleted) are gone.
with latest as (
    {{ yw_latest_state('party_building', 'household_contacts') }}
),

renamed as (
    select
        id as household_contact_id,
        "memberNo" as member_id,
        "memberName" as member_name_raw,
        {{ yw_normalize_person_name('"memberName"') }} as member_name,
        "householdName" as household_head_name_raw,
        {{ yw_normalize_person_name('"householdName"') }} as household_head_name,
        "householdIdCard" as household_head_id_number_raw,
        {{ yw_normalize_id_number('"householdIdCard"') }} as household_head_id_number,
        {{ yw_id_number_is_valid('"householdIdCard"') }} as household_head_id_number_is_valid,
        "householdPhone" as household_phone_raw,
        {{ yw_normalize_phone('"householdPhone"', var('yw_default_area_code')) }} as household_phone,
        "householdAddress" as household_address_raw,
        "contactSince" as paired_since_date,
        {{ yw_source_time_to_utc('party_building', 'household_contacts', 'updatedAt') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
