-- Every decision on one finding, oldest first: the last one is in force.
select
    log_id,
    decision,
    reason,
    decided_by,
    decided_at
from audit_log
where finding_id = $finding_id
order by log_id;
