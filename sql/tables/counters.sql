-- The last id handed out of each kind (the ids of submissions, findings, audit decisions, validation runs and
-- batches, portal events), and `decisions`, the count of decisions recorded. Taking ids updates a kind's row
-- (take_ids.sql), so two transactions taking ids of one kind conflict and one is tried again: a DuckLake has no
-- sequences, and two appends never conflict there.
create table if not exists counters (
    name varchar not null,
    last_id integer not null
);
