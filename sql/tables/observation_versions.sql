-- Every accepted value ever loaded. A later submission of the same key supersedes an earlier one;
-- which version is current is derived in observations_all, never stored.
create table if not exists observation_versions (
    submission_id integer not null,
    line integer not null,
    region_code varchar not null,
    period varchar not null,
    indicator_code varchar not null,
    value decimal(38, 10),
    unit varchar not null,
    status varchar not null,
    note varchar,
    primary key (submission_id, region_code, period, indicator_code)
);
