-- Each submission's latest validation batch (its GX run is named batch-<batch_id>).
select
    submission_id,
    arg_max(batch_id, run_id) as batch_id
from validation_runs
where batch_id is not null
group by submission_id;
