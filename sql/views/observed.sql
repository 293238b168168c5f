-- The values progress is measured on (region_values: submitted, or derived from children or from a ratio's
-- parts), with their place in time: period_key orders quarters (period_key.sql).
create or replace view observed as
select
    v.region_code,
    v.indicator_code,
    v.period,
    v.value,
    case when v.derived then null else o.note end as note,
    v.derived,
    v.incomplete,
    v.denominator_period,
    case when v.derived then '推算' else o.status end as value_status,
    cast(left(v.period, 4) as integer) as year,
    cast(right(v.period, 1) as integer) as quarter,
    period_key(cast(left(v.period, 4) as integer), cast(right(v.period, 1) as integer)) as period_key
from region_values as v
left join observations as o
    on
        v.region_code = o.region_code
        and v.indicator_code = o.indicator_code
        and v.period = o.period
where v.value is not null or v.incomplete;
