-- 法人来源对照: every source record that names an organisation and the legal entity it resolved to.
select
    {{ yw_mention_columns('mention_id', 'entity_role') }},
    legal_entity_key,
    match_method,
    cast(match_probability as {{ yw_type_double() }}) as match_probability
from {{ source('resolution', 'legal_entity_clusters') }}
