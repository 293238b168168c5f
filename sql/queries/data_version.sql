-- What a bulletin was made from: every observation in force, in a stable order.
select
    o.region_code,
    o.period,
    o.indicator_code,
    o.value,
    o.status,
    o.submission_id,
    s.received_at
from observations as o
inner join submissions as s using (submission_id)
order by o.region_code, o.period, o.indicator_code;
