-- 人员提及: every person named in every staged record, one row per source record and role, in
-- one shape for the entity resolver (yiwang/resolve). Birth dates come from a valid ID number,
-- else from the record's own birth-date field; observed_at is the source's update time, else
-- the landing time. person_name_as_given keeps the name as typed: a masked name (张先生) is null in
-- person_name but still gives the resolver a surname and a sex.
-- One model per platform (platforms/int_person_mentions__<platform>), unioned by column name.
{%- set string = dbt.type_string() %}
with mentions as (
    {{ yw_union_mentions('person') }}
)

select
    {{ yw_mention_id('source_platform', 'source_table', 'source_key', 'person_role') }} as mention_id,
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    cast(source_key as {{ string }}) as source_key,
    cast(person_role as {{ string }}) as person_role,
    person_name,
    case when coalesce(id_number_is_valid, false) then id_number end as id_number,
    id_number as id_number_as_given,
    coalesce(id_number_is_valid, false) as id_number_is_valid,
    sex,
    {{ yw_id_number_sex('id_number') }} as id_number_sex,
    coalesce({{ yw_id_number_birth_date('id_number') }}, stated_birth_date) as birth_date,
    stated_birth_date,
    ethnicity,
    phone,
    address,
    grid_code,
    coalesce(observed_at, {{ yw_instant_to_utc('_yw_extracted_at') }}) as observed_at,
    cast(person_name_as_given as {{ string }}) as person_name_as_given
from mentions
