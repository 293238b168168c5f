-- A row for each kind of id not yet counted, from the largest id already used (a warehouse made before counters).
insert into counters
select
    kinds.name,
    coalesce(kinds.last_id, 0) as last_id
from (
    values
    ('submission_ids', (select max(s.submission_id) from submissions as s)),
    ('finding_ids', (select max(f.finding_id) from validation_findings as f)),
    ('audit_log_ids', (select max(a.log_id) from audit_log as a)),
    ('validation_run_ids', (select max(r.run_id) from validation_runs as r)),
    ('validation_batch_ids', (select max(b.batch_id) from validation_batches as b)),
    ('portal_event_ids', (select max(e.event_id) from portal_events as e)),
    ('approval_log_ids', (select max(a.log_id) from approval_log as a)),
    ('decisions', 0)
) as kinds (name, last_id)
where kinds.name not in (select c.name from counters as c);
