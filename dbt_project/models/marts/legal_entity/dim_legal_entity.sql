-- 法人（一企一档）: one row per real organisation across platforms, the resolver's golden record
-- (credit code first, else the normalised name with address and legal representative); whether
-- a party organisation (党组织) is hosted by it, from the party-building platform.
with golden as (
    select * from {{ source('resolution', 'legal_entity_golden') }}
),

hosts as (
    select distinct legal_entity_key
    from {{ source('resolution', 'legal_entity_clusters') }}
    where {{ yw_mention_part('mention_id', 'role') }} = 'host_organisation'
)

select
    golden.legal_entity_key,
    golden.credit_code,
    golden.entity_name,
    golden.entity_kind,
    golden.legal_representative_name,
    golden.address,
    golden.grid_code,
    hosts.legal_entity_key is not null as has_party_organisation
from golden
left join hosts on hosts.legal_entity_key = golden.legal_entity_key
