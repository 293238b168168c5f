-- The accepted values a validation batch's history rules read: of the batch's regions, their children and their
-- peers (same level, same parent; for an indicator a target ranks, same level in the province), for the batch's
-- indicators. Read once per batch from `observations` (whose current-version window over every version is the
-- expensive part), and removed when the batch is recorded.
create table if not exists batch_history (
    batch_id integer not null,
    region_code varchar not null,
    indicator_code varchar not null,
    period varchar not null,
    value double
);
