-- Register one submission's validation run; its rules' outcomes follow with the returned run_id.
insert into validation_runs (
    submission_id, batch_id, suite_version, started_at, finished_at, rules, failed_rules, failing_rows
)
values ($submission_id, $batch_id, $suite_version, $started_at, $finished_at, $rules, $failed_rules, $failing_rows)
returning run_id;
