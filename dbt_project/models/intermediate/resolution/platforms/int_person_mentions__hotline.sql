-- The 12345 hotline's people: the caller of a work order (来电人).
{{ yw_mentions('person', source='stg_hotline__work_orders', source_table='t_gd_workorder', key='work_order_id', role='caller', columns={
    'person_name': 'caller_name', 'id_number': 'caller_id_number', 'id_number_is_valid': 'caller_id_number_is_valid',
    'phone': 'caller_phone', 'address': 'address_raw', 'observed_at': 'source_updated_at',
    'person_name_as_given': 'caller_name_raw',
}, where='caller_name is not null or caller_id_number is not null or caller_phone is not null') }}
