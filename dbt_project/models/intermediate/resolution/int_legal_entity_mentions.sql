-- 法人提及: every organisation named in a staged record, in one shape for the entity resolver:
-- the grid platform's organisations (单位 zz_dw) and the host organisations of the party-building
-- platform's party organisations (党组织所在单位).
{%- set string = dbt.type_string() %}
-- Later union branches take their column names from the first one (aliases there would only repeat them).
-- noqa: disable=AL03
with mentions as (
    select
        'grid_platform' as source_platform, 'zz_dw' as source_table, cast(organisation_id as {{ string }}) as source_key,
        'organisation' as entity_role, organisation_name as entity_name, credit_code, credit_code_is_valid,
        case organisation_kind_name
            when '企业' then 'enterprise' when '个体工商户' then 'sole_trader' when '社会组织' then 'social_organisation'
            when '机关事业单位' then 'public_body'
        end as entity_kind,
        legal_representative_name, address_raw as address, grid_code,
        source_updated_at as observed_at, _yw_extracted_at
    from {{ ref('stg_grid_platform__organisations') }}

    union all
    select
        'party_building', 'organisations', cast(party_organisation_id as {{ string }}), 'host_organisation', host_organisation_name,
        host_credit_code, host_credit_code_is_valid, cast(null as {{ string }}), cast(null as {{ string }}),
        cast(null as {{ string }}), cast(null as {{ string }}), cast(null as timestamp), _yw_extracted_at
    from {{ ref('stg_party_building__organisations') }}
    where host_organisation_name is not null or host_credit_code is not null
)

-- noqa: enable=AL03
select
    {{ yw_mention_id('source_platform', 'source_table', 'source_key', 'entity_role') }} as mention_id,
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    cast(source_key as {{ string }}) as source_key,
    cast(entity_role as {{ string }}) as entity_role,
    entity_name,
    case when coalesce(credit_code_is_valid, false) then credit_code end as credit_code,
    entity_kind,
    legal_representative_name,
    address,
    grid_code,
    coalesce(observed_at, {{ yw_instant_to_utc('_yw_extracted_at') }}) as observed_at
from mentions
