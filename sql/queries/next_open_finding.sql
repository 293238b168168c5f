-- The open finding an auditor meets next after $finding_id: the next one by id, else the first still open.
select finding_id
from findings
where audit_status = 'open' and finding_id <> $finding_id
order by finding_id <= $finding_id, finding_id
limit 1;
