-- A region's reporting calendar: for each quarter asked, its due date and the first accepted file that carried
-- the region's values for it (from any office), on time or late.
with quarters as (
    select unnest($quarters) as period
),

first_accepted as (
    select
        ov.period,
        min(s.received_at) as first_received_at
    from observation_versions as ov
    inner join submissions as s using (submission_id)
    where ov.region_code = $region_code
    group by ov.period
)

select
    q.period,
    due_date(q.period) as due_date,
    f.first_received_at,
    case
        when f.first_received_at is null then null
        when cast(f.first_received_at as date) <= due_date(q.period) then 'on_time'
        else 'late'
    end as timeliness
from quarters as q
left join first_accepted as f using (period)
order by q.period desc;
