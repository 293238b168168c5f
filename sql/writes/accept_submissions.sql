-- Make the `accepted` rows (accepted_rows.sql) observation versions (their values become current).
insert into observation_versions
select
    submission_id,
    line,
    region_code,
    period,
    indicator_code,
    value,
    unit,
    status,
    note
from accepted;
