-- The regions a bulletin's pages read values of: those its plans' targets bind and every region within them (the
-- ranking of a province's or a city's counties).
select distinct j.region_code
from target_regions as t
inner join jurisdiction as j on t.region_code = j.office_code
where t.plan_id in (select unnest($plan_ids))
order by j.region_code;
