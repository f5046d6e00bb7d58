-- 党组织 (party_building.organisations): party organisations from the daily XLSX export, one
-- row per organisation still in the latest export; branches in private firms carry the firm's
-- credit code.
with latest as (
    {{ yw_latest_state('party_building', 'organisations') }}
),

renamed as (
    select
        "组织编码" as party_organisation_id,
        "上级组织编码" as parent_party_organisation_id,
        "组织名称" as party_organisation_name,
        "组织类别" as party_organisation_kind,
        "所在单位" as host_organisation_name,
        "单位统一社会信用代码" as host_credit_code_raw,
        {{ yw_normalize_credit_code('"单位统一社会信用代码"') }} as host_credit_code,
        {{ yw_credit_code_is_valid('"单位统一社会信用代码"') }} as host_credit_code_is_valid,
        "组织书记" as secretary_name_raw,
        {{ yw_normalize_person_name('"组织书记"') }} as secretary_name,
        "书记联系电话" as secretary_phone_raw,
        {{ yw_normalize_phone('"书记联系电话"', var('yw_default_area_code')) }} as secretary_phone,
        "成立日期" as founded_date_raw,
        "所属街道" as street_name,
        {{ yw_lineage_columns() }}
    from latest
)

select * from renamed
