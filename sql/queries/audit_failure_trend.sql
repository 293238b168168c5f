-- Failing rows per rule and month of validation, from every validation run: is a problem growing or fading? Within
-- an auditor's region ($scope; null: every region) the runs of the files its offices sent (a run has no region of
-- its own).
select
    strftime(r.started_at, '%Y-%m') as month,
    o.rule,
    o.severity,
    count(*) filter (where not o.success) as failed_runs,
    count(*) as runs,
    sum(o.failing_rows) as failing_rows
from validation_runs as r
inner join validation_rule_outcomes as o using (run_id)
inner join submissions as s on r.submission_id = s.submission_id
where
    $scope is null or s.office_code in (
        select j.region_code from jurisdiction as j
        where j.office_code = $scope
    )
group by month, o.rule, o.severity
having count(*) filter (where not o.success) > 0
order by month desc, failing_rows desc, o.rule asc;
