-- An office's submissions (its own region's and those of the regions under it), newest first, each with its
-- findings: how many, and how many still open for audit.
with office_findings as (
    select
        submission_id,
        count(*) as findings,
        count(*) filter (where audit_status = 'open') as open_findings,
        count(*) filter (where decision = 'correct-requested' and audit_status = 'open') as corrections_requested
    from findings
    group by submission_id
)

select
    s.submission_id,
    s.file_name,
    s.office_code,
    s.received_at,
    s.status,
    s.row_count,
    s.kind,
    coalesce(f.findings, 0) as findings,
    coalesce(f.open_findings, 0) as open_findings,
    coalesce(f.corrections_requested, 0) as corrections_requested
from submissions as s
left join office_findings as f using (submission_id)
where s.office_code in (select unnest($offices))
order by s.received_at desc, s.submission_id desc
limit 200;
