-- One validation run per submission of batch $batch_id, summed from its rules' `outcomes`.
insert into validation_runs (
    submission_id, batch_id, suite_version, started_at, finished_at, rules, failed_rules, failing_rows
)
select
    submission_id,
    $batch_id,
    $suite_version,
    $started_at,
    $finished_at,
    count(*) as rules,
    count(*) filter (where not success) as failed_rules,
    sum(failing_rows) as failing_rows
from outcomes
group by submission_id
order by submission_id;
