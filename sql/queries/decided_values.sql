-- The accepted rows of the submissions in `verdicts`, the newest of each region, period and indicator (the order
-- observations_all ranks versions by): what update_current_observations.sql makes the values in force.
select
    r.region_code,
    r.period,
    r.indicator_code,
    r.value,
    r.unit,
    r.status,
    r.note,
    r.submission_id,
    s.received_at
from submission_rows as r
inner join verdicts as v on r.submission_id = v.submission_id
inner join submissions as s on r.submission_id = s.submission_id
where v.status <> 'rejected'
qualify
    row_number() over (
        partition by r.region_code, r.period, r.indicator_code
        order by s.received_at desc, r.submission_id desc
    ) = 1
