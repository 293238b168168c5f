-- Each row of each submission as read and normalised, with its line in the file (a spreadsheet's row).
-- Validation runs on these; accepted rows become observation versions. value is exact (DECIMAL).
create table if not exists submission_rows (
    submission_id integer not null,
    line integer not null,
    region_code varchar,
    period varchar,
    indicator_raw varchar,
    indicator_code varchar,
    indicator_candidates varchar,
    value_raw varchar,
    value decimal(38, 10),
    unit_raw varchar,
    unit varchar,
    status_raw varchar,
    status varchar,
    note varchar,
    row_shape varchar,
    primary key (submission_id, line)
);
