-- 党员身份: one row per party member record (智慧党建 members), with the person it resolved to,
-- the branch and the legal entity hosting the branch's organisation.
with members as (
    select * from {{ ref('stg_party_building__members') }}
)

select
    cast(members.member_id as {{ dbt.type_string() }}) as member_id,
    persons.person_key,
    cast(members.party_organisation_id as {{ dbt.type_string() }}) as party_organisation_id,
    members.branch_name,
    hosts.legal_entity_key as host_legal_entity_key,
    members.member_status,
    {{ yw_parse_loose_date('members.joined_party_date_raw') }} as joined_party_date,
    people.current_grid_code as grid_code
from members
inner join {{ source('resolution', 'person_clusters') }} as persons
    on persons.mention_id = {{ yw_mention_id("'party_building'", "'members'", 'members.member_id', "'member'") }}
left join {{ source('resolution', 'legal_entity_clusters') }} as hosts
    on hosts.mention_id = {{ yw_mention_id("'party_building'", "'organisations'", 'members.party_organisation_id', "'host_organisation'") }}
left join {{ ref('dim_person') }} as people on people.person_key = persons.person_key
