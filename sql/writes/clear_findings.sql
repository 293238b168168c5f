-- Findings of the submissions in `verdicts` are replaced whole when they are validated again (a rerun after a
-- crash).
delete from validation_findings
where submission_id in (select v.submission_id from verdicts as v);
