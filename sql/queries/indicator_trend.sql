-- One region's values of one indicator over time: a stock every quarter; a flow each year's total (the Q4
-- year-to-date) and, where a row is judged on a year so far ($judged_key), that year-to-date too, marked.
select
    o.period,
    (o.year - 1) + o.quarter / 4.0 as t,
    o.value,
    i.measure = 'flow_ytd' and o.quarter < 4 as year_to_date,
    coalesce(o.period_key = $judged_key, false) as judged
from observed as o
inner join indicators as i using (indicator_code)
where
    o.region_code = $region_code
    and o.indicator_code = $indicator_code
    and o.value is not null
    and (i.measure <> 'flow_ytd' or o.quarter = 4 or o.period_key = $judged_key)
    and o.period_key <= $period_key
order by o.period_key;
