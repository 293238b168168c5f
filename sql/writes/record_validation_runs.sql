-- One validation run per submission of batch $batch_id, summed from its rules' `outcomes`; their ids are
-- $first_run_id onwards, in the order of the submissions.
insert into validation_runs (
    run_id, submission_id, batch_id, suite_version, started_at, finished_at, rules, failed_rules, failing_rows
)
select
    $first_run_id + row_number() over (order by submission_id) - 1 as run_id,
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
