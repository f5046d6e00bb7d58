-- The party-building platform reports no events.
{{ yw_no_rows(yw_event_shape('steps')) }}
