-- 事件 (fct_event, 一事一码): one row per reported case of the three event platforms on one
-- lifecycle. Stage times come from the source's own columns where it has them, else from its
-- step log (int_event_stages_mapped); the current stage from the status (seed event_stage_map);
-- the category from the city's catalogue (int_events_categorised); the grid by point-in-polygon,
-- source grid or address (int_events_located); the matter and the reporter's person from the
-- entity resolver (source resolution).
--
-- Time limits: due_at is the source's own deadline (the hotline's 办理时限) or reported_at plus the
-- category's time_limit_hours (seed event_time_limits), in calendar hours. is_overdue: closed
-- after due_at, or still open at the data's clock (var yw_event_as_of, default the latest change
-- any event platform recorded, so rebuilding the same landing gives the same flags); cancelled
-- events are never overdue.
{%- set as_of = var('yw_event_as_of', none) %}
with events as (
    select * from {{ ref('int_events_located') }}
),

steps as (
    select * from {{ ref('int_event_stages_mapped') }}
),

step_times as (
    select
        event_key,
        min(case when stage = 'discover' then stage_at end) as discovered_at,
        min(case when stage = 'accept' then stage_at end) as accepted_at,
        max(case when stage = 'dispatch' then stage_at end) as dispatched_at,  -- the last (re)dispatch
        max(case when stage = 'handle' then stage_at end) as handled_at,
        max(case when stage = 'verify' then stage_at end) as verified_at,
        min(case when stage = 'close' then stage_at end) as closed_at,
        min(case when stage = 'evaluate' then stage_at end) as evaluated_at,
        sum(case when stage = 'return' then 1 else 0 end) as redispatch_count
    from steps
    group by event_key
),

status_stages as (
    select * from {{ ref('event_stage_map') }} where source_kind = 'status'
),

clock as (
    select
        {% if as_of %}cast('{{ as_of }}' as timestamp){% else %}max(source_updated_at){% endif %}
            as as_of_at
    from events
),

timed as (
    select
        events.*,
        coalesce(events.reported_at, step_times.discovered_at) as reported_at_resolved,
        coalesce(events.accepted_at, step_times.accepted_at) as accepted_at_resolved,
        coalesce(events.dispatched_at, step_times.dispatched_at) as dispatched_at_resolved,
        coalesce(events.handled_at, step_times.handled_at) as handled_at_resolved,
        coalesce(events.verified_at, step_times.verified_at) as verified_at_resolved,
        coalesce(events.closed_at, step_times.closed_at) as closed_at_resolved,
        coalesce(events.evaluated_at, step_times.evaluated_at) as evaluated_at_resolved,
        coalesce(step_times.redispatch_count, 0) as redispatch_count,
        case when status_stages.stage = 'cancel' then 'cancelled' else status_stages.stage end as lifecycle_stage,
        coalesce(
            events.source_due_at,
            coalesce(events.reported_at, step_times.discovered_at)
            + time_limits.time_limit_hours * interval '1 hour'
        ) as due_at
    from events
    left join step_times on step_times.event_key = events.event_key
    left join status_stages
        on
            status_stages.source_platform = events.source_platform
            and status_stages.source_value = events.source_status_code
    left join {{ ref('event_time_limits') }} as time_limits
        on time_limits.category_code = events.category_code
),

levels as (
    select
        timed.event_key,
        rules.resolution_level,
        row_number() over (partition by timed.event_key order by rules.priority, rules.resolution_level) as preference
    from timed
    inner join {{ ref('event_resolution_levels') }} as rules
        on
            (rules.source_platform = timed.source_platform or rules.source_platform = '*')
            and (
                (rules.match_kind = 'escalation_level' and rules.match_value = timed.escalation_level_code)
                or (rules.match_kind = 'department_like' and timed.department like rules.match_value)
            )
),

persons as (
    select * from {{ source('resolution', 'person_clusters') }}
),

matters as (
    select * from {{ source('resolution', 'matter_clusters') }}
),

resolved_events as (
    select
        cast(timed.event_key as text) as event_key,
        cast(timed.source_platform as text) as source_platform,
        cast(timed.source_key as text) as source_key,
        cast(matters.matter_key as text) as matter_key,
        cast(timed.category_code as text) as category_code,
        cast(categories.category_name as text) as category_name,
        cast(timed.source_category as text) as source_category,
        cast(timed.request_type as text) as request_type,
        cast(timed.channel as text) as channel,
        cast(timed.description as text) as description,
        cast(timed.address as text) as address,
        cast(timed.longitude as double precision) as longitude,
        cast(timed.latitude as double precision) as latitude,
        cast(timed.grid_code as text) as grid_code,
        cast(timed.reported_at_resolved as timestamp) as reported_at,
        cast(timed.accepted_at_resolved as timestamp) as accepted_at,
        cast(timed.dispatched_at_resolved as timestamp) as dispatched_at,
        cast(timed.handled_at_resolved as timestamp) as handled_at,
        cast(timed.verified_at_resolved as timestamp) as verified_at,
        cast(timed.closed_at_resolved as timestamp) as closed_at,
        cast(timed.evaluated_at_resolved as timestamp) as evaluated_at,
        cast(timed.due_at as timestamp) as due_at,
        cast(timed.lifecycle_stage as text) as lifecycle_stage,
        cast(timed.source_status as text) as source_status,
        cast(
            coalesce(
                timed.lifecycle_stage != 'cancelled'
                and timed.due_at is not null
                and coalesce(timed.closed_at_resolved, clock.as_of_at) > timed.due_at,
                false
            ) as boolean
        ) as is_overdue,
        cast(
            case when timed.closed_at_resolved is not null then timed.closed_at_resolved <= timed.due_at end as boolean
        ) as is_closed_on_time,
        cast(
            {{ yw_hours_between('timed.reported_at_resolved', 'coalesce(timed.handled_at_resolved, timed.closed_at_resolved)') }}
            as double precision
        ) as handling_hours,
        cast(levels.resolution_level as text) as resolution_level,
        cast(timed.redispatch_count as integer) as redispatch_count,
        cast(satisfaction.satisfaction_score as double precision) as satisfaction_score,
        cast(timed.department as text) as department,
        cast(persons.person_key as text) as reporter_person_key
    from timed
    cross join clock
    left join {{ ref('event_categories') }} as categories on categories.category_code = timed.category_code
    left join levels on levels.event_key = timed.event_key and levels.preference = 1
    left join {{ ref('event_satisfaction_scores') }} as satisfaction
        on
            satisfaction.source_platform = timed.source_platform
            and satisfaction.source_value = timed.satisfaction_raw
    left join matters on matters.event_key = timed.event_key
    left join persons
        on persons.mention_id = {{ yw_mention_id('timed.source_platform', 'timed.source_table', 'timed.source_key', 'timed.reporter_role') }}
)

-- one person, many complaints (一人多诉): the reporter's earlier reports in the window before this
-- one (var yw_repeat_window_days, default 30); one matter, many complaints (一事多诉): the reports
-- that share this one's matter
select
    resolved_events.*,
    cast(
        case when reporter_person_key is not null then count(*) over (
            partition by reporter_person_key order by reported_at
            range between interval '{{ var("yw_repeat_window_days", 30) }} days' preceding and current row
        ) - 1 end as integer
    ) as reporter_prior_reports,
    cast(coalesce(reporter_person_key is not null and count(*) over (
        partition by reporter_person_key order by reported_at
        range between interval '{{ var("yw_repeat_window_days", 30) }} days' preceding and current row
    ) > 1, false) as boolean) as is_repeat_complaint,
    cast(case when matter_key is not null then count(*) over (partition by matter_key) end as integer)
        as matter_report_count
from resolved_events
