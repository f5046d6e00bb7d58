-- 法人来源对照: every source record that names an organisation and the legal entity it resolved to.
select
    {{ yw_mention_part('mention_id', 'platform') }} as source_platform,
    {{ yw_mention_part('mention_id', 'table') }} as source_table,
    {{ yw_mention_part('mention_id', 'source_key') }} as source_key,
    {{ yw_mention_part('mention_id', 'role') }} as entity_role,
    legal_entity_key,
    match_method,
    cast(match_probability as {{ yw_type_double() }}) as match_probability
from {{ source('resolution', 'legal_entity_clusters') }}
