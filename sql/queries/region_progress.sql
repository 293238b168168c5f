-- The progress rows of one region at one quarter, with names for people.
select
    p.*,
    i.name_zh as indicator_name,
    s.label_zh as status_label
from progress as p
inner join indicators as i using (indicator_code)
inner join status_levels as s using (status)
where p.region_code = $region_code and p.period = $period
order by p.plan_id, p.target_id;
