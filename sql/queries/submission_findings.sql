-- The findings of one submission, in file order.
select
    rule,
    severity,
    line,
    "column",
    value,
    message,
    indicator_code,
    fix,
    cell
from validation_findings
where submission_id = $submission_id
order by line nulls last, rule;
