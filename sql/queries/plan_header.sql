-- A plan with its region's name and level (a province's bulletin leads with its counties), for bulletin headers.
select
    p.*,
    r.full_name as region_name,
    r.level as region_level
from plans as p
inner join region_names as r using (region_code)
where p.plan_id = $plan_id;
