-- Findings of a submission are replaced whole when it is validated again (a rerun after a crash).
delete from validation_findings
where submission_id = $submission_id;
