-- When each region's quarter first arrived in an accepted file, for the demo's sign-off (ipwatch/ops/
-- demo_signoff.py: a quarter is submitted the day after its file).
select
    ov.region_code,
    ov.period as quarter,
    min(s.received_at) as arrived_at
from observation_versions as ov
inner join submissions as s on ov.submission_id = s.submission_id
where ov.period >= $first
group by ov.region_code, ov.period;
