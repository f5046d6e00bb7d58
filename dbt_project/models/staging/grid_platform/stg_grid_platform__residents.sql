-- 实有人口 (grid_platform.zz_syrk): actual population, one row per live resident record.
-- The same person is sometimes entered twice; matching them is intermediate's job.
with latest as (
    {{ yw_latest_state('grid_platform', 'zz_syrk') }}
),

renamed as (
    select
        rkbh as resident_id,
        hh as household_number,
        fwbh as house_id,
        wgbm as grid_code,
        xm as person_name_raw,
        {{ yw_normalize_person_name('xm') }} as person_name,
        xb as sex_code,
        {{ yw_decode_sex('xb') }} as sex,
        gmsfhm as id_number_raw,
        {{ yw_normalize_id_number('gmsfhm') }} as id_number,
        {{ yw_id_number_is_valid('gmsfhm') }} as id_number_is_valid,
        csrq as birth_date_raw,
        mz as ethnicity_code,
        {{ yw_decode_ethnicity('mz') }} as ethnicity,
        lxdh as phone_raw,
        {{ yw_normalize_phone('lxdh', var('yw_default_area_code')) }} as phone,
        hjdz as registered_address_raw,
        xzdz as current_address_raw,
        rklx as resident_kind_code,
        {{ yw_decode_source_code('grid_platform', 'zz_syrk', 'rklx') }} as resident_kind_name,
        yhzgx as relation_to_head_code,
        {{ yw_decode_source_code('grid_platform', 'zz_syrk', 'yhzgx') }} as relation_to_head_name,
        rybq as care_tags,
        {{ yw_has_tag('rybq', '独居老人') }} as is_elderly_living_alone,
        {{ yw_has_tag('rybq', '低保对象') }} as is_low_income_household,
        {{ yw_has_tag('rybq', '残疾人') }} as is_disabled,
        {{ yw_has_tag('rybq', '重点人员') }} as is_key_person,
        {{ yw_source_time_to_utc('grid_platform', 'zz_syrk', 'djsj') }} as registered_at,
        {{ yw_source_time_to_utc('grid_platform', 'zz_syrk', 'gxsj') }} as source_updated_at,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
