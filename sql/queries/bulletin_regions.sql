-- The regions a bulletin's pages read values of: those its plans' targets bind and the regions under them, two
-- levels down (the ranking of a province's or a city's counties).
with bound as (
    select distinct region_code
    from target_regions
    where plan_id in (select unnest($plan_ids))
)

select region_code
from bound
union
select r.region_code
from regions as r
left join regions as parent on r.parent_code = parent.region_code
where
    r.parent_code in (select region_code from bound)
    or parent.parent_code in (select region_code from bound)
order by region_code;
