-- The hotline platform names no organisations.
{{ yw_no_mentions('legal_entity') }}
