-- 联系电话（历史）: which phone a person had when. The phone periods of each grid-platform resident
-- record (int_phone_periods, SCD2 from the landing zone's history) mapped to the resolved person.
-- Overlapping periods of one person's two records with the same phone are merged (yw_merge_periods).
with periods as (
    select * from {{ ref('int_phone_periods') }}
    where tracked_value is not null
),

resolved as (
    select
        persons.person_key,
        periods.tracked_value as phone,
        periods.valid_from_at,
        periods.valid_to_at,
        periods.is_current
    from periods
    inner join {{ source('resolution', 'person_clusters') }} as persons
        on persons.mention_id = {{ yw_mention_id("'grid_platform'", "'zz_syrk'", 'periods.source_key', "'resident'") }}
)

{{ yw_merge_periods('resolved', ['person_key', 'phone']) }}
