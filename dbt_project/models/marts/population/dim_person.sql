-- 人口（一人一档）: one row per real person, the resolver's golden record (resolution.person_golden)
-- plus where the person lives now (fct_residence), the grid platform's register facts (流动人口,
-- care tags) and how many source records and platforms name the person.
with golden as (
    select * from {{ source('resolution', 'person_golden') }}
),

mentions as (
    select
        person_key,
        count(*) as source_record_count,
        count(distinct split_part(mention_id, '/', 1)) as platform_count
    from {{ source('resolution', 'person_clusters') }}
    group by person_key
),

current_home as (
    select person_key, house_key
    from (
        select
            person_key,
            house_key,
            row_number() over (partition by person_key order by valid_from_at desc, house_key) as recency
        from {{ ref('fct_residence') }}
        where is_current
    ) as ranked
    where recency = 1
),

register as (
    -- the person's latest resident record in the grid platform's register (实有人口)
    select person_key, resident_kind_name, care_tags, grid_code
    from (
        select
            clusters.person_key,
            residents.resident_kind_name,
            residents.care_tags,
            residents.grid_code,
            row_number() over (
                partition by clusters.person_key order by residents.source_updated_at desc, residents.resident_id
            ) as recency
        from {{ ref('stg_grid_platform__residents') }} as residents
        inner join {{ source('resolution', 'person_clusters') }} as clusters
            on clusters.mention_id = {{ yw_mention_id("'grid_platform'", "'zz_syrk'", 'residents.resident_id', "'resident'") }}
    ) as ranked
    where recency = 1
)

select
    golden.person_key,
    golden.id_number,
    coalesce(golden.id_number_is_valid, false) as id_number_is_valid,
    golden.person_name,
    golden.sex,
    golden.birth_date,
    golden.ethnicity,
    golden.phone,
    current_home.house_key as current_house_key,
    coalesce(houses.grid_code, register.grid_code) as current_grid_code,
    case
        when register.resident_kind_name = '流动人口' then true
        when register.resident_kind_name is not null then false
    end as is_floating,
    nullif(register.care_tags, '') as care_tags,
    cast(coalesce(mentions.source_record_count, 0) as integer) as source_record_count,
    cast(coalesce(mentions.platform_count, 0) as integer) as platform_count
from golden
left join mentions on mentions.person_key = golden.person_key
left join current_home on current_home.person_key = golden.person_key
left join {{ source('resolution', 'house_golden') }} as houses on houses.house_key = current_home.house_key
left join register on register.person_key = golden.person_key
