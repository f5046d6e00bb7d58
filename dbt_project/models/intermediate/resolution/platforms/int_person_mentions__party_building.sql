-- The party-building platform's people: party members (党员) and the heads of the households
-- they keep in contact with (党员联系户户主).
{{ yw_mentions('person', source='stg_party_building__members', source_table='members', key='member_id', role='member', columns={
    'person_name': 'person_name', 'id_number': 'id_number', 'id_number_is_valid': 'id_number_is_valid', 'sex': 'sex',
    'stated_birth_date': yw_parse_loose_date('birth_date_raw'), 'ethnicity': 'ethnicity', 'phone': 'phone',
    'address': 'current_address_raw', 'person_name_as_given': 'person_name_raw',
}) }}
union all
{{ yw_mentions('person', source='stg_party_building__household_contacts', source_table='household_contacts',
    key='household_contact_id', role='household_head', columns={
    'person_name': 'household_head_name', 'id_number': 'household_head_id_number',
    'id_number_is_valid': 'household_head_id_number_is_valid', 'phone': 'household_phone',
    'address': 'household_address_raw', 'observed_at': 'source_updated_at', 'person_name_as_given': 'household_head_name_raw',
}, where='household_head_name is not null or household_head_id_number is not null') }}
