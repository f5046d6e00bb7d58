-- The party-building platform's organisations: a party organisation's host organisation (党组织所在单位).
{{ yw_mentions('legal_entity', source='stg_party_building__organisations', source_table='organisations',
    key='party_organisation_id', role='host_organisation', columns={
    'entity_name': 'host_organisation_name', 'credit_code': 'host_credit_code',
    'credit_code_is_valid': 'host_credit_code_is_valid',
}, where='host_organisation_name is not null or host_credit_code is not null') }}
