-- The submissions validated together: each rule of the suite runs once over a batch (view batch_rows), and
-- its findings go back to their submission and line. A submission validated again after a crash joins a new batch.
create table if not exists validation_batches (
    batch_id integer not null,
    submission_id integer not null,
    primary key (batch_id, submission_id)
);
