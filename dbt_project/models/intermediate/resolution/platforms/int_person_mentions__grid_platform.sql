-- The grid platform's people: residents (实有人口), house owners (房主), an event's involved party
-- (当事人), an organisation's legal representative (法定代表人) and the grid worker (网格员).
{{ yw_mentions('person', source='stg_grid_platform__residents', source_table='zz_syrk', key='resident_id', role='resident', columns={
    'person_name': 'person_name', 'id_number': 'id_number', 'id_number_is_valid': 'id_number_is_valid', 'sex': 'sex',
    'stated_birth_date': yw_parse_loose_date('birth_date_raw'), 'ethnicity': 'ethnicity', 'phone': 'phone',
    'address': 'current_address_raw', 'grid_code': 'grid_code', 'observed_at': 'source_updated_at',
    'person_name_as_given': 'person_name_raw',
}) }}
union all
{{ yw_mentions('person', source='stg_grid_platform__houses', source_table='zz_syfw', key='house_id', role='owner', columns={
    'person_name': 'owner_name', 'id_number': 'owner_id_number', 'id_number_is_valid': 'owner_id_number_is_valid',
    'phone': 'owner_phone', 'address': 'address_raw', 'grid_code': 'grid_code', 'observed_at': 'source_updated_at',
    'person_name_as_given': 'owner_name_raw',
}, where='owner_name is not null or owner_id_number is not null') }}
union all
{{ yw_mentions('person', source='stg_grid_platform__events', source_table='zz_sj', key='event_id', role='party', columns={
    'person_name': 'involved_party_name', 'id_number': 'involved_party_id_number',
    'id_number_is_valid': 'involved_party_id_number_is_valid', 'phone': 'involved_party_phone', 'address': 'place_raw',
    'grid_code': 'grid_code', 'observed_at': 'source_updated_at', 'person_name_as_given': 'involved_party_name_raw',
}, where='involved_party_name is not null or involved_party_id_number is not null') }}
union all
{{ yw_mentions('person', source='stg_grid_platform__organisations', source_table='zz_dw', key='organisation_id',
    role='legal_representative', columns={
    'person_name': 'legal_representative_name', 'phone': 'phone', 'address': 'address_raw', 'grid_code': 'grid_code',
    'observed_at': 'source_updated_at', 'person_name_as_given': 'legal_representative_name_raw',
}, where='legal_representative_name is not null') }}
union all
{{ yw_mentions('person', source='stg_grid_platform__grid_nodes', source_table='zz_grid', key='grid_code', role='grid_worker', columns={
    'person_name': 'grid_worker_name', 'phone': 'grid_worker_phone', 'grid_code': 'grid_code',
    'observed_at': 'source_updated_at', 'person_name_as_given': 'grid_worker_name_raw',
}, where='grid_worker_name is not null') }}
