-- Current values with their place in time: period_key orders quarters (year * 4 + quarter - 1).
create or replace view observed as
select
    region_code,
    indicator_code,
    period,
    cast(value as double) as value,
    note,
    status as value_status,
    cast(left(period, 4) as integer) as year,
    cast(right(period, 1) as integer) as quarter,
    cast(left(period, 4) as integer) * 4 + cast(right(period, 1) as integer) - 1 as period_key
from observations
where value is not null;
