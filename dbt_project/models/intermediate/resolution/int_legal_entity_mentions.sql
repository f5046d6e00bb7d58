-- 法人提及: every organisation named in a staged record, in one shape for the entity resolver:
-- the grid platform's organisations (单位 zz_dw) and the host organisations of the party-building
-- platform's party organisations (党组织所在单位).
-- One model per platform (platforms/int_legal_entity_mentions__<platform>), unioned by column name.
{%- set string = dbt.type_string() %}
with mentions as (
    {{ yw_union_mentions('legal_entity') }}
)

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
