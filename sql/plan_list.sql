-- Every plan in the catalogue, by region.
select
    plan_id,
    region_code,
    title
from plans
order by region_code, plan_id;
