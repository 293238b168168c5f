-- Each office's record: quarters reported, how many on time and late, and its latest quarter.
select
    t.office_code,
    r.name as office_name,
    count(*) as quarters,
    count(*) filter (where t.timeliness = 'on_time') as on_time,
    count(*) filter (where t.timeliness = 'late') as late,
    max(t.period) as latest_period
from timeliness as t
left join regions as r on t.office_code = r.region_code
group by t.office_code, r.name
order by t.office_code;
