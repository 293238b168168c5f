-- The value in force for each region, period and indicator (current_observations.sql says how it is kept).
create or replace view observations as
select
    region_code,
    period,
    indicator_code,
    value,
    unit,
    status,
    note,
    submission_id
from current_observations;
