-- Which region each target binds: the plan's own region, or each county-level region under it.
create or replace view target_regions as
with county_ancestors as (
    -- a county's parent and, through a prefecture, its province
    select
        c.region_code,
        c.parent_code as ancestor_code
    from regions as c
    where c.level = 'county'
    union all
    select
        c.region_code,
        p.parent_code as ancestor_code
    from regions as c
    inner join regions as p on c.parent_code = p.region_code
    where c.level = 'county' and p.parent_code is not null
)

select
    t.plan_id,
    t.target_id,
    coalesce(ca.region_code, p.region_code) as region_code
from targets as t
inner join plans as p using (plan_id)
left join county_ancestors as ca
    on p.region_code = ca.ancestor_code and t.applies_to = 'each_county';
