-- The value in force for each region, period and indicator, kept as each decision is recorded (load.decide,
-- update_current_observations.sql) so that reading it ranks no versions: at a national scale `observations`
-- is read by every view. observations_all derives the same choice from the versions themselves (a test checks
-- that they agree): the newest submission of a key is current.
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
