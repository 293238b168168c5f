-- History kept for earlier batches: one process holds the warehouse at a time, so any left is from a batch
-- that is recorded, or from a run that stopped before recording it.
delete from batch_history;
