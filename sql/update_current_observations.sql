-- The accepted rows of the submissions in `verdicts` become the values in force, unless a newer submission's
-- value for the same key already is (the order observations_all ranks versions by).
insert into current_observations
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
on conflict (region_code, period, indicator_code) do update set
    value = excluded.value,
    unit = excluded.unit,
    status = excluded.status,
    note = excluded.note,
    submission_id = excluded.submission_id,
    received_at = excluded.received_at
where
excluded.received_at > current_observations.received_at
or (
    excluded.received_at = current_observations.received_at
    and excluded.submission_id > current_observations.submission_id
);
