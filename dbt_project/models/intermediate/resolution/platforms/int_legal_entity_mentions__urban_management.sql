-- The urban_management platform names no organisations.
{{ yw_no_mentions('legal_entity') }}
