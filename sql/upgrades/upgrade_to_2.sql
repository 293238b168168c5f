-- Version 2 keeps the value in force in a table (current_observations.sql), filled here from the versions.
create table if not exists current_observations (
    region_code varchar not null,
    period varchar not null,
    indicator_code varchar not null,
    value decimal(38, 10),
    unit varchar not null,
    status varchar not null,
    note varchar,
    submission_id integer not null,
    received_at timestamp not null,
    primary key (region_code, period, indicator_code)
);

insert into current_observations
select
    ov.region_code,
    ov.period,
    ov.indicator_code,
    ov.value,
    ov.unit,
    ov.status,
    ov.note,
    ov.submission_id,
    s.received_at
from observation_versions as ov
inner join submissions as s on ov.submission_id = s.submission_id
qualify row_number() over (
    partition by ov.region_code, ov.period, ov.indicator_code
    order by s.received_at desc, ov.submission_id desc
) = 1;
