-- 人员来源对照: every source record that names a person and the person it resolved to, from the
-- resolver's clusters (mention id '<platform>/<table>/<source key>/<role>').
select
    {{ yw_mention_columns('mention_id', 'person_role') }},
    person_key,
    match_method,
    cast(match_probability as {{ yw_type_double() }}) as match_probability
from {{ source('resolution', 'person_clusters') }}
