-- Make a validated submission's rows observation versions (its values become current).
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
from submission_rows
where submission_id = $submission_id;
