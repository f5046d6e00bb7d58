-- Hot spots (高发问题): the top 5 categories per week by reports (ties share a rank).
with weekly as (
    select
        cast(date_trunc('week', reported_at) as date) as week_start_date,
        category_code,
        category_name,
        count(*) as report_count
    from {{ ref('fct_event') }}
    group by 1, category_code, category_name
),

ranked as (
    select
        *,
        rank() over (partition by week_start_date order by report_count desc) as category_rank
    from weekly
)

select
    week_start_date,
    category_code,
    category_name,
    cast(report_count as integer) as report_count,
    cast(category_rank as integer) as category_rank
from ranked
where category_rank <= 5
