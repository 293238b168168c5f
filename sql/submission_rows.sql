-- Each row of each submission as read (after normalisation), with its line in the file.
-- Validation runs on these; accepted rows become observation versions.
create table if not exists submission_rows (
    submission_id integer not null,
    line integer not null,
    region_code varchar,
    period varchar,
    indicator_raw varchar,
    indicator_code varchar,
    value_raw varchar,
    value double,
    unit_raw varchar,
    unit varchar,
    status varchar,
    note varchar,
    primary key (submission_id, line)
);
