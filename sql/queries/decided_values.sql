-- The `accepted` rows (accepted_rows.sql), the newest of each region, period and indicator (the order
-- observations_all ranks versions by): what update_current_observations.sql makes the values in force.
select
    region_code,
    period,
    indicator_code,
    value,
    unit,
    status,
    note,
    submission_id,
    received_at
from accepted
qualify
    row_number() over (
        partition by region_code, period, indicator_code
        order by received_at desc, submission_id desc
    ) = 1
