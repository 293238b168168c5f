-- Every version of one indicator's values for one region: the chain of corrections, newest first.
select
    period,
    value,
    unit,
    status,
    note,
    is_current,
    submission_id,
    file_name,
    line,
    received_at
from observations_all
where region_code = $region_code and indicator_code = $indicator_code
order by period desc, received_at desc, submission_id desc;
