-- The grid platform's organisations (单位).
{{ yw_mentions('legal_entity', source='stg_grid_platform__organisations', source_table='zz_dw', key='organisation_id',
    role='organisation', columns={
    'entity_name': 'organisation_name', 'credit_code': 'credit_code', 'credit_code_is_valid': 'credit_code_is_valid',
    'entity_kind': "case organisation_kind_name when '企业' then 'enterprise' when '个体工商户' then 'sole_trader'"
        ~ " when '社会组织' then 'social_organisation' when '机关事业单位' then 'public_body' end",
    'legal_representative_name': 'legal_representative_name', 'address': 'address_raw', 'grid_code': 'grid_code',
    'observed_at': 'source_updated_at',
}) }}
