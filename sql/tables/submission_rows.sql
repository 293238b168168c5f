-- Each row of each submission as read and normalised, with its line in the file (a spreadsheet's row).
-- Validation runs on these; accepted rows become observation versions (accepted_rows.sql: a blank row only where
-- nothing is in force). value is held to ten places; rounding says on which side of it the typed value lies
-- (-1, 0, 1), for the rules a rounding could fool. blank: neither a value nor a 数据状态 was given (not reported
-- in this file). indicator_conflict: the row's 指标名称 names another indicator than its 指标代码.
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
    rounding tinyint,
    unit_raw varchar,
    unit varchar,
    status_raw varchar,
    status varchar,
    note varchar,
    row_shape varchar,
    blank boolean,
    indicator_conflict varchar,
    primary key (submission_id, line)
);
