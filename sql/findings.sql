-- What validation found in each submission, for auditors.
create or replace view findings as
select
    f.finding_id,
    f.submission_id,
    f.rule,
    f.severity,
    f.line,
    f."column",
    f.value,
    f.message,
    null as decision,
    s.file_name,
    s.office_code
from validation_findings as f
inner join submissions as s using (submission_id);
