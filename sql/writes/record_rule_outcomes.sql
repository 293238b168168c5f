-- Each rule's outcome for each submission of batch $batch_id, under the submission's run.
insert into validation_rule_outcomes
select
    r.run_id,
    o.rule,
    o.severity,
    o.success,
    o.failing_rows
from outcomes as o
inner join validation_runs as r on o.submission_id = r.submission_id and r.batch_id = $batch_id;
