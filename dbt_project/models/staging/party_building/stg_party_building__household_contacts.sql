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
        "householdName" as household_head_name_raw,
        "householdIdCard" as household_head_id_number_raw,
        "householdPhone" as household_phone_raw,
        "householdAddress" as household_address_raw,
        "contactSince" as paired_since_date,
        {{ yw_local_to_utc('"updatedAt"') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
