-- Failing rows per rule and month of validation, from every validation run: is a problem growing or fading?
select
    strftime(r.started_at, '%Y-%m') as month,
    o.rule,
    o.severity,
    count(*) filter (where not o.success) as failed_runs,
    count(*) as runs,
    sum(o.failing_rows) as failing_rows
from validation_runs as r
inner join validation_rule_outcomes as o using (run_id)
group by month, o.rule, o.severity
having count(*) filter (where not o.success) > 0
order by month desc, failing_rows desc, o.rule asc;
