-- One person, many complaints (一人多诉): resolved reporters with more than one report.
select
    reporter_person_key as person_key,
    cast(count(*) as integer) as report_count,
    cast(sum(case when is_repeat_complaint then 1 else 0 end) as integer) as repeat_report_count,
    cast(count(distinct category_code) as integer) as category_count,
    cast(count(distinct coalesce(matter_key, event_key)) as integer) as matter_count,
    min(reported_at) as first_reported_at,
    max(reported_at) as last_reported_at
from {{ ref('fct_event') }}
where reporter_person_key is not null
group by reporter_person_key
having count(*) > 1
