-- For each (sha256, office) in `keys`: the latest earlier submission of the same bytes by the same office, and how
-- its file was read; a file rejected for a rule of the moment (`momentary`: a quarter not yet over, a quarter in
-- sign-off) is left out, so the same bytes sent once it no longer holds are judged anew.
select
    s.sha256,
    s.office_code,
    arg_max(s.submission_id, s.submission_id) as submission_id,
    arg_max(s.status, s.submission_id) as status,
    arg_max(s.kind, s.submission_id) as kind
from submissions as s
inner join keys as k on s.sha256 = k.sha256 and s.office_code = k.office_code
where
    s.status <> 'duplicate'
    and not (
        s.status = 'rejected'
        and s.submission_id in (
            select f.submission_id
            from validation_findings as f
            inner join momentary as m on f.rule = m.rule
        )
    )
group by s.sha256, s.office_code;
