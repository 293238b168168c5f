-- Every version of every accepted value. The newest submission of a key is current: corrections
-- supersede, and nothing is ever deleted.
create or replace view observations_all as
with versions as (
    select
        ov.*,
        s.received_at,
        s.file_name
    from observation_versions as ov
    inner join submissions as s using (submission_id)
),

ranked as (
    select
        *,
        row_number() over (
            partition by region_code, period, indicator_code
            order by received_at desc, submission_id desc
        ) = 1 as is_current
    from versions
)

select
    region_code,
    period,
    indicator_code,
    value,
    unit,
    status,
    note,
    submission_id,
    line,
    file_name,
    received_at,
    is_current
from ranked;
