-- Whether an auditor has decided any finding of submission $submission_id. A receipt reads its decisions
-- (office_decisions, which works out every finding's audit state) only then: a new upload has none, and on deadline
-- day forty receipts asking office_decisions at once took more than the 512MB DuckDB is given.
select count(*) > 0 as decided
from audit_log as a
inner join validation_findings as f on a.finding_id = f.finding_id
where f.submission_id = $submission_id;
