-- The urban_management platform names no houses.
{{ yw_no_mentions('house') }}
