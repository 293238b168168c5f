-- A plan with its region's name, for bulletin headers.
select
    p.*,
    r.full_name as region_name
from plans as p
inner join region_names as r using (region_code)
where p.plan_id = $plan_id;
