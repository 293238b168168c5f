-- The open finding an auditor meets next after $finding_id: the next one by id, else the first still open; within
-- the auditor's region ($scope, as audit_findings.sql reads it; null: every region).
select finding_id
from findings
where
    audit_status = 'open'
    and finding_id <> $finding_id
    and (
        $scope is null or audit_region in (
            select j.region_code from jurisdiction as j
            where j.office_code = $scope
        )
    )
order by finding_id <= $finding_id, finding_id
limit 1;
