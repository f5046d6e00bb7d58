-- 事件报告: every reported case of the three event platforms in one shape for matter clustering
-- (一事多诉): category in the city's catalogue, place (coordinates, grid, address), time, text,
-- and the reporter's person mention.
select
    event_key,
    source_platform,
    source_key,
    category_code,
    reported_at,
    longitude,
    latitude,
    grid_code,
    address,
    description,
    case
        when has_reporter then {{ yw_mention_id('source_platform', 'source_table', 'source_key', 'reporter_role') }}
    end as reporter_mention_id
from {{ ref('int_events_located') }}
