-- Event KPIs per day (事件指标日表): additive counts and sums per report day, category, grid and
-- handling department; community, street and district come from dim_grid, so any level rolls up
-- by sum(). Rates are given at this grain; at coarser levels recompute them from the sums.
with events as (
    select
        e.*,
        cast(e.reported_at as date) as report_date,
        g.community_code,
        g.street_code,
        g.district_code
    from {{ ref('fct_event') }} as e
    left join {{ ref('dim_grid') }} as g on e.grid_code = g.grid_code
),

daily as (
    select
        report_date,
        category_code,
        category_name,
        grid_code,
        community_code,
        street_code,
        district_code,
        department,
        count(*) as accepted_count,
        sum(case when closed_at is not null then 1 else 0 end) as closed_count,
        sum(case when is_closed_on_time then 1 else 0 end) as closed_on_time_count,
        sum(case when is_overdue then 1 else 0 end) as overdue_count,
        count(handling_hours) as handled_count,
        -- float sums rounded: a parallel sum adds in any order and the last bits would vary by build
        round(cast(sum(handling_hours) as numeric(18, 6)), 6) as handling_hours_sum,
        count(satisfaction_score) as satisfaction_count,
        round(cast(sum(satisfaction_score) as numeric(18, 6)), 6) as satisfaction_sum,
        sum(case when resolution_level = 'grid' then 1 else 0 end) as grid_level_count,
        sum(case when resolution_level = 'community' then 1 else 0 end) as community_level_count,
        sum(case when resolution_level = 'street' then 1 else 0 end) as street_level_count,
        sum(case when resolution_level = 'district' then 1 else 0 end) as district_level_count,
        sum(case when resolution_level = 'department' then 1 else 0 end) as department_level_count,
        sum(redispatch_count) as redispatch_count,
        sum(case when is_repeat_complaint then 1 else 0 end) as repeat_complaint_count,
        sum(case when matter_report_count > 1 then 1 else 0 end) as repeated_matter_report_count
    from events
    group by report_date, category_code, category_name, grid_code, community_code, street_code, district_code, department
)

select
    md5(
        cast(report_date as {{ dbt.type_string() }}) || '|' || category_code || '|' || coalesce(grid_code, '')
        || '|' || coalesce(department, '')
    ) as kpi_key,
    report_date,
    category_code,
    category_name,
    grid_code,
    community_code,
    street_code,
    district_code,
    department,
    cast(accepted_count as integer) as accepted_count,
    cast(closed_count as integer) as closed_count,
    cast(closed_on_time_count as integer) as closed_on_time_count,
    cast(overdue_count as integer) as overdue_count,
    cast(handled_count as integer) as handled_count,
    cast(handling_hours_sum as double precision) as handling_hours_sum,
    cast(handling_hours_sum / nullif(handled_count, 0) as double precision) as mean_handling_hours,
    cast(satisfaction_count as integer) as satisfaction_count,
    cast(satisfaction_sum as double precision) as satisfaction_sum,
    cast(satisfaction_sum / nullif(satisfaction_count, 0) as double precision) as mean_satisfaction,
    cast(1.0 * closed_count / accepted_count as double precision) as closure_rate,
    cast(1.0 * closed_on_time_count / nullif(closed_count, 0) as double precision) as on_time_closure_rate,
    cast(grid_level_count as integer) as grid_level_count,
    cast(community_level_count as integer) as community_level_count,
    cast(street_level_count as integer) as street_level_count,
    cast(district_level_count as integer) as district_level_count,
    cast(department_level_count as integer) as department_level_count,
    cast(redispatch_count as integer) as redispatch_count,
    cast(repeat_complaint_count as integer) as repeat_complaint_count,
    cast(repeated_matter_report_count as integer) as repeated_matter_report_count
from daily
