-- Sign-off steps taken over open findings (an override: `overridden` > 0, with its reason), newest first, within
-- the regions of the office $scope (null: all): the auditor's report and the reviewer's page show them.
select
    a.log_id,
    a.region_code,
    r.name as region_name,
    a.quarter,
    a.action,
    a.office_code,
    a.acted_by,
    a.overridden,
    a.reason,
    a.acted_at
from approval_log as a
left join regions as r on a.region_code = r.region_code
where
    a.overridden > 0
    and (
        $scope is null
        or a.region_code in (
            select j.region_code
            from jurisdiction as j
            where j.office_code = $scope
        )
    )
order by a.log_id desc;
