-- Every step of one region's quarter's sign-off, oldest first: who, as which office, what, why, and how many open
-- findings it took over.
select
    log_id,
    action,
    office_code,
    level,
    acted_by,
    role,
    reason,
    overridden,
    state,
    acted_at
from approval_log
where region_code = $region_code and quarter = $quarter
order by log_id;
