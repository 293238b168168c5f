-- The history batch $batch_id's rules read, once the batch is recorded. Only its own: on a lake other processes'
-- batches are being validated meanwhile (a run that stopped before recording leaves its batch's rows, which no
-- other batch reads).
delete from batch_history
where batch_id = $batch_id;
