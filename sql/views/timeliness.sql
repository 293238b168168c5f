-- For every office and every quarter it has reported: when the first accepted file with that quarter's values
-- arrived against the due date (the `due_day` setting of the month after the quarter); 'late' files are also
-- the backfilled ones.
create or replace view timeliness as
with first_accepted as (
    select
        s.office_code,
        ov.period,
        min(s.received_at) as first_received_at
    from observation_versions as ov
    inner join submissions as s using (submission_id)
    group by s.office_code, ov.period
),

due as (
    select
        *,
        due_date(period) as due_date
    from first_accepted
)

select
    office_code,
    period,
    due_date,
    first_received_at,
    case when cast(first_received_at as date) <= due_date then 'on_time' else 'late' end as timeliness
from due;
