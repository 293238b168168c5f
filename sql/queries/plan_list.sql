-- Every plan in the catalogue, by region.
select
    p.plan_id,
    p.region_code,
    p.title,
    p.period_start,
    p.period_end,
    r.full_name as region_name
from plans as p
inner join region_names as r on p.region_code = r.region_code
order by p.region_code, p.plan_id;
