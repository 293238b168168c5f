-- How many findings each rule raised, open and closed; within the auditor's region ($scope, as audit_findings.sql
-- reads it; null: every region).
select
    rule,
    severity,
    count(*) filter (where audit_status = 'open') as open,
    count(*) filter (where audit_status = 'closed') as closed,
    count(*) as total
from findings
where
    $scope is null or audit_region in (
        select j.region_code from jurisdiction as j
        where j.office_code = $scope
    )
group by rule, severity
order by severity desc, rule asc;
