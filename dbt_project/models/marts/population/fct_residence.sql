-- 居住关系（历史）: who lived where and when. The periods of each grid-platform resident record
-- (int_residence_periods, SCD2 from the landing zone's history) mapped to the resolved person and
-- house. Overlapping periods of one person's records in the same house (a duplicate registration,
-- 重复登记) are merged into one (yw_merge_periods).
with periods as (
    select * from {{ ref('int_residence_periods') }}
    where tracked_value is not null
),

resolved as (
    select
        persons.person_key,
        houses.house_key,
        periods.valid_from_at,
        periods.valid_to_at,
        periods.is_current
    from periods
    inner join {{ source('resolution', 'person_clusters') }} as persons
        on persons.mention_id = {{ yw_mention_id("'grid_platform'", "'zz_syrk'", 'periods.source_key', "'resident'") }}
    inner join {{ source('resolution', 'house_clusters') }} as houses
        on houses.mention_id = {{ yw_mention_id("'grid_platform'", "'zz_syfw'", 'periods.tracked_value', "'house'") }}
)

{{ yw_merge_periods('resolved', ['person_key', 'house_key']) }}
