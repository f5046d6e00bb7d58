-- One row per reported case (事件) of the three event platforms, on common columns: urban
-- management cases (案卷), 12345 work orders (工单) and grid events (网格事件). Only renaming and
-- the platform's own values: categories, stages and places are mapped in the next models.
-- One model per platform (platforms/int_events_unioned__<platform>), unioned by column name.
with unioned as (
    {{ yw_union_platforms('int_events_unioned', yw_event_shape() | map(attribute=0) | list) }}
)

select
    {{ yw_event_key('source_platform', 'source_key') }} as event_key,
    *
from unioned
