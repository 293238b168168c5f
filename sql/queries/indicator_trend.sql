-- One region's values of one indicator over time; for a flow only each year's total (the Q4 year-to-date).
select
    o.period,
    (o.year - 1) + o.quarter / 4.0 as t,
    o.value
from observed as o
inner join indicators as i using (indicator_code)
where
    o.region_code = $region_code
    and o.indicator_code = $indicator_code
    and o.value is not null
    and (i.measure <> 'flow_ytd' or o.quarter = 4)
    and o.period_key <= $period_key
order by o.period_key;
