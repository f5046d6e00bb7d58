-- The hotline platform names no houses.
{{ yw_no_mentions('house') }}
