-- Coverage by grid (网格要素覆盖): residents, houses, companies, party members and grid workers
-- per grid, from the golden records.
with residents as (
    select current_grid_code as grid_code, count(*) as n from {{ ref('dim_person') }} group by current_grid_code
),

houses as (
    select grid_code, count(*) as n from {{ ref('dim_house') }} group by grid_code
),

companies as (
    select grid_code, count(*) as n from {{ ref('dim_legal_entity') }} group by grid_code
),

members as (
    select grid_code, count(distinct person_key) as n from {{ ref('fct_party_membership') }} group by grid_code
)

select
    g.grid_code,
    g.grid_name,
    g.grid_kind,
    g.community_code,
    g.street_code,
    g.district_code,
    cast(coalesce(r.n, 0) as integer) as resident_count,
    cast(coalesce(h.n, 0) as integer) as house_count,
    cast(coalesce(c.n, 0) as integer) as company_count,
    cast(coalesce(m.n, 0) as integer) as party_member_count,
    cast(case when g.grid_worker_name is not null then 1 else 0 end as integer) as grid_worker_count
from {{ ref('dim_grid') }} as g
left join residents as r on g.grid_code = r.grid_code
left join houses as h on g.grid_code = h.grid_code
left join companies as c on g.grid_code = c.grid_code
left join members as m on g.grid_code = m.grid_code
