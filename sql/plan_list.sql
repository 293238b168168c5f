-- Every plan in the catalogue, by region.
select
    p.plan_id,
    p.region_code,
    p.title,
    r.name as region_name
from plans as p
inner join regions as r on p.region_code = r.region_code
order by p.region_code, p.plan_id;
