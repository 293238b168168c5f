-- Each office's record: quarters reported, how many on time and late, and its latest quarter; the offices within an
-- auditor's region ($scope; null: every office).
select
    t.office_code,
    r.name as office_name,
    count(*) as quarters,
    count(*) filter (where t.timeliness = 'on_time') as on_time,
    count(*) filter (where t.timeliness = 'late') as late,
    max(t.period) as latest_period
from timeliness as t
left join regions as r on t.office_code = r.region_code
where
    $scope is null or t.office_code in (
        select j.region_code from jurisdiction as j
        where j.office_code = $scope
    )
group by t.office_code, r.name
order by t.office_code;
