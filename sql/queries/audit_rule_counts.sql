-- How many findings each rule raised, open and closed.
select
    rule,
    severity,
    count(*) filter (where audit_status = 'open') as open,
    count(*) filter (where audit_status = 'closed') as closed,
    count(*) as total
from findings
group by rule, severity
order by severity desc, rule asc;
