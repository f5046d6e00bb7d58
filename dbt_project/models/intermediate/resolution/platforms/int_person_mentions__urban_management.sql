-- Urban management's people: the reporter of a case (上报人).
{{ yw_mentions('person', source='stg_urban_management__cases', source_table='um_case', key='case_id', role='reporter', columns={
    'person_name': 'reporter_name', 'phone': 'reporter_phone', 'address': 'address_raw', 'grid_code': 'unit_grid_code',
    'observed_at': 'source_updated_at', 'person_name_as_given': 'reporter_name_raw',
}, where='reporter_name is not null') }}
