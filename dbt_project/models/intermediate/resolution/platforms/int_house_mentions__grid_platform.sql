-- The grid platform's houses: the house register (实有房屋, with its own structured parts) and a
-- resident's current address with the resident's house reference (房屋编号).
{{ yw_mentions('house', source='stg_grid_platform__houses', source_table='zz_syfw', key='house_id', role='house', columns={
    'address': 'address_raw', 'compound_name': 'compound_name', 'building': 'building_raw', 'unit': 'unit_raw',
    'room': 'room_raw', 'grid_code': 'grid_code', 'floor_area_m2': 'floor_area_m2',
    'house_use': "case house_use_name when '自住' then 'owner_occupied' when '出租' then 'rented'"
        ~ " when '闲置' then 'vacant' when '经营' then 'business' end",
    'owner_mention_id': yw_mention_id("'grid_platform'", "'zz_syfw'", 'house_id', "'owner'"),
    'observed_at': 'source_updated_at',
}) }}
union all
{{ yw_mentions('house', source='stg_grid_platform__residents', source_table='zz_syrk', key='resident_id', role='residence', columns={
    'house_reference': 'cast(house_id as ' ~ dbt.type_string() ~ ')', 'address': 'current_address_raw',
    'grid_code': 'grid_code', 'observed_at': 'source_updated_at',
}, where='current_address_raw is not null or house_id is not null') }}
