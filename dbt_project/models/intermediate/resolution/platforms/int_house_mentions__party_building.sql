-- The party-building platform's houses: a member's address and a household contact's address.
{{ yw_mentions('house', source='stg_party_building__members', source_table='members', key='member_id',
    role='member_residence', columns={'address': 'current_address_raw'}, where='current_address_raw is not null') }}
union all
{{ yw_mentions('house', source='stg_party_building__household_contacts', source_table='household_contacts',
    key='household_contact_id', role='household', columns={
    'address': 'household_address_raw', 'observed_at': 'source_updated_at',
}, where='household_address_raw is not null') }}
