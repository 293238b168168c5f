-- The rows of the submissions in `verdicts` that become observation versions: every row of a file not rejected,
-- but a blank one (no value, no 数据状态: not reported in that file) only where it erases nothing, that is where
-- nothing is in force for its key and no other of these files states it. A blank never replaces a value; the
-- value in force stays (kept_values.sql lists what each file left so).
with accepted as (
    select
        r.submission_id,
        r.line,
        r.region_code,
        r.period,
        r.indicator_code,
        r.value,
        r.unit,
        r.status,
        r.note,
        r.blank,
        s.received_at
    from submission_rows as r
    inner join verdicts as v on r.submission_id = v.submission_id
    inner join submissions as s on r.submission_id = s.submission_id
    where v.status <> 'rejected'
),

stated as (
    select distinct
        region_code,
        period,
        indicator_code
    from accepted
    where not coalesce(blank, false)
),

in_force as (
    select
        c.region_code,
        c.period,
        c.indicator_code
    from current_observations as c
    semi join accepted using (region_code, period, indicator_code)
),

kept as (
    select a.*
    from accepted as a
    where
        not coalesce(a.blank, false)
        or (
            not exists (
                select 1 from stated as s
                where
                    s.region_code = a.region_code and s.period = a.period and s.indicator_code = a.indicator_code
            )
            and not exists (
                select 1 from in_force as f
                where
                    f.region_code = a.region_code and f.period = a.period and f.indicator_code = a.indicator_code
            )
        )
)

select * exclude (blank)
from kept
