-- Every event with its item in the city's unified catalogue (统一事项目录), by the seed
-- event_category_map: the platform's own category (urban management's 部件/事件 type, main and
-- sub class; the hotline's subject path; the grid platform's class), refined for coarse classes
-- by a keyword in the title or description: the longest matching keyword wins, the row without
-- a keyword is the fallback. Events whose category the seed does not map keep category_code
-- null (the relationships and not_null tests on fct_event report them).
with events as (
    select * from {{ ref('int_events_unioned') }}
),

category_map as (
    select * from {{ ref('event_category_map') }}
),

candidates as (
    select
        events.event_key,
        category_map.category_code,
        row_number() over (
            partition by events.event_key
            order by length(coalesce(category_map.title_keyword, '')) desc, category_map.category_code
        ) as preference
    from events
    inner join category_map
        on
            category_map.source_platform = events.source_platform
            and category_map.source_category = events.source_category
            and (
                category_map.title_keyword is null
                or strpos(
                    coalesce(events.title, '') || ' ' || coalesce(events.description, ''),
                    category_map.title_keyword
                ) > 0
            )
)

select
    events.*,
    candidates.category_code
from events
left join candidates
    on
        candidates.event_key = events.event_key
        and candidates.preference = 1
