-- One matter, many complaints (一事多诉): matters reported more than once, across channels.
select
    matter_key,
    cast(count(*) as integer) as report_count,
    cast(count(distinct source_platform) as integer) as platform_count,
    min(reported_at) as first_reported_at,
    max(reported_at) as last_reported_at,
    min(category_name) as category_name,
    min(grid_code) as grid_code,
    cast(sum(case when closed_at is not null then 1 else 0 end) as integer) as closed_count
from {{ ref('fct_event') }}
where matter_key is not null
group by matter_key
having count(*) > 1
