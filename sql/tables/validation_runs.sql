-- Every validation run: which submission, which version of the suite (a hash of its file), when, and how many
-- rules failed. One row per run; a crashed ingest that validates again adds a second run.
create table if not exists validation_runs (
    run_id integer primary key,
    submission_id integer not null,
    suite_version varchar not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    rules integer not null,
    failed_rules integer not null,
    failing_rows integer not null
);

-- the batch the submission was validated in (its GX run is named batch-<batch_id>)
alter table validation_runs add column if not exists batch_id integer;
