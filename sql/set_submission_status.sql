-- The verdict on a submission once validation has run.
update submissions set status = $status
where submission_id = $submission_id;
