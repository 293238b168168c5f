-- What a plan's bulletin draws on: the accepted files holding values in force for the plan's regions up to the
-- quarter reported, and when the latest of them arrived (the footer's "data as of").
with plan_regions as (
    select distinct region_code
    from target_regions
    where plan_id = $plan_id
)

select
    count(distinct o.submission_id) as files,
    max(s.received_at) as latest_received_at
from observations as o
inner join plan_regions using (region_code)
inner join submissions as s using (submission_id)
where o.period <= $period;
