-- 来源记录对照: every current staged source record and the warehouse entities it feeds, so the
-- warehouse gate can reconcile each landed record against the marts or quarantine. Built from
-- the resolver's clusters (persons, houses, legal entities), the event marts and the staging
-- models of records that feed an entity through another record (steps, members, volunteers).
{%- set string = dbt.type_string() %}
-- Later union branches take their column names from the first one.
-- noqa: disable=AL03
with mentions as (
    select mention_id, 'person' as entity_type, person_key as entity_key
    from {{ source('resolution', 'person_clusters') }}
    union all
    select mention_id, 'house', house_key
    from {{ source('resolution', 'house_clusters') }}
    union all
    select mention_id, 'legal_entity', legal_entity_key
    from {{ source('resolution', 'legal_entity_clusters') }}
),

records as (
    select
        {{ yw_mention_part('mention_id', 'platform') }} as source_platform,
        {{ yw_mention_part('mention_id', 'table') }} as source_table,
        {{ yw_mention_part('mention_id', 'source_key') }} as source_key,
        entity_type,
        {{ yw_mention_part('mention_id', 'role') }} as entity_role,
        entity_key
    from mentions

    union all
    select
        source_platform,
        case source_platform
            when 'urban_management' then 'um_case' when 'hotline' then 't_gd_workorder' else 'zz_sj'
        end,
        source_key,
        'event',
        'event',
        event_key
    from {{ ref('fct_event') }}

    union all
    select
        'urban_management', 'um_case_flow', cast(steps.case_step_id as {{ string }}), 'event_stage', 'step',
        events.event_key
    from {{ ref('stg_urban_management__case_steps') }} as steps
    inner join {{ ref('fct_event') }} as events
        on events.source_platform = 'urban_management' and events.source_key = steps.case_id

    union all
    select
        'hotline', 't_gd_lzjl', cast(steps.work_order_step_id as {{ string }}), 'event_stage', 'step',
        events.event_key
    from {{ ref('stg_hotline__work_order_steps') }} as steps
    inner join {{ ref('fct_event') }} as events
        on events.source_platform = 'hotline' and events.source_key = steps.work_order_id

    union all
    select 'grid_platform', 'zz_grid', grid_code, 'grid', 'grid', grid_code
    from {{ ref('dim_grid') }}

    union all
    -- the grid platform's tree above the grids (streets, communities) feeds the division tree
    select distinct 'grid_platform', 'zz_grid', nodes.grid_code, 'division', 'division', divisions.division_code
    from {{ ref('stg_grid_platform__grid_nodes') }} as nodes
    inner join {{ ref('dim_division') }} as divisions
        on nodes.division_code in (divisions.division_code, divisions.statistical_code) and divisions.is_current
    where nodes.grid_code not in (select grid_code from {{ ref('dim_grid') }})

    union all
    -- a household contact (党员联户) always names the member who keeps it
    select
        'party_building', 'household_contacts', cast(contacts.household_contact_id as {{ string }}), 'person',
        'paired_member', members.person_key
    from {{ ref('stg_party_building__household_contacts') }} as contacts
    inner join {{ ref('fct_party_membership') }} as members
        on members.member_id = cast(contacts.member_id as {{ string }})

    union all
    select 'party_building', 'members', member_id, 'party_membership', 'member', member_id
    from {{ ref('fct_party_membership') }}

    union all
    select
        'party_building', 'volunteer_records', cast(volunteers.volunteer_record_id as {{ string }}), 'person',
        'volunteer', members.person_key
    from {{ ref('stg_party_building__volunteer_records') }} as volunteers
    inner join {{ ref('fct_party_membership') }} as members
        on members.member_id = cast(volunteers.member_id as {{ string }})

    union all
    select
        'grid_platform', 'zz_syrk', cast(residents.resident_id as {{ string }}), 'household', 'member',
        households.household_key
    from {{ ref('stg_grid_platform__residents') }} as residents
    inner join {{ ref('dim_household') }} as households
        on households.household_number = residents.household_number
)

-- noqa: enable=AL03
select distinct
    cast(source_platform as {{ string }}) as source_platform,
    cast(source_table as {{ string }}) as source_table,
    cast(source_key as {{ string }}) as source_key,
    cast(entity_type as {{ string }}) as entity_type,
    cast(entity_role as {{ string }}) as entity_role,
    cast(entity_key as {{ string }}) as entity_key
from records
