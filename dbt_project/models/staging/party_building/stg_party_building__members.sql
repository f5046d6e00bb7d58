-- 党员信息 (party_building.members): party members from the daily CSV export, one row per
-- member still in the latest export. Dates are kept as typed (YYYY/M/D, YYYY-MM-DD, Excel serials).
with latest as (
    {{ yw_latest_state('party_building', 'members') }}
),

renamed as (
    select
        "党员编号" as member_id,
        "党组织编码" as party_organisation_id,
        "姓名" as person_name_raw,
        {{ yw_normalize_person_name('"姓名"') }} as person_name,
        "性别" as sex_code,
        {{ yw_decode_sex('"性别"') }} as sex,
        "身份证号" as id_number_raw,
        {{ yw_normalize_id_number('"身份证号"') }} as id_number,
        {{ yw_id_number_is_valid('"身份证号"') }} as id_number_is_valid,
        "出生日期" as birth_date_raw,
        "民族" as ethnicity,
        "手机号码" as phone_raw,
        {{ yw_normalize_phone('"手机号码"', var('yw_default_area_code')) }} as phone,
        "学历" as education_level,
        "所在党支部" as branch_name,
        "入党日期" as joined_party_date_raw,
        "党员状态" as member_status,
        "工作单位" as workplace_name,
        "现居住地" as current_address_raw,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
