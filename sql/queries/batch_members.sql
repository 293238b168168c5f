-- The submissions of one validation batch.
select submission_id
from validation_batches
where batch_id = $batch_id
order by submission_id;
