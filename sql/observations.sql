-- The value in force for each region, period and indicator.
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
from observations_all
where is_current;
