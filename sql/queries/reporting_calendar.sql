-- A region's reporting calendar: for each quarter asked, its due date and the first accepted file that carried
-- the region's values for it (from any office), on time or late; and how many of its values an auditor asked to
-- correct (更正) that no later file has corrected yet (the quarter is 待更正 until one does).
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
),

awaited_corrections as (
    select
        f.period,
        count(*) as corrections_requested
    from findings as f
    where
        f.region_code = $region_code
        and f.decision = 'correct-requested'
        and f.audit_status = 'open'
    group by f.period
)

select
    q.period,
    due_date(q.period) as due_date,
    f.first_received_at,
    case
        when f.first_received_at is null then null
        when cast(f.first_received_at as date) <= due_date(q.period) then 'on_time'
        else 'late'
    end as timeliness,
    coalesce(c.corrections_requested, 0) as corrections_requested
from quarters as q
left join first_accepted as f using (period)
left join awaited_corrections as c using (period)
order by q.period desc;
